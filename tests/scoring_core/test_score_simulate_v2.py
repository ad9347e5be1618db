"""``manage.py score_simulate`` contract v2: ``--evaluations`` takes ``member,level`` or ``member,score`` (the
rule set's kind decides which), ``--previous`` takes ``member,total`` for the carry-over. Output columns are
v1's; every error exits 2 with nothing on stdout and names the file, the line and the field.

No ``db`` fixture here either: the simulator touches no database row."""

from io import StringIO
from pathlib import Path
from textwrap import dedent

import pytest
from django.core.management import call_command

PRESETS = Path(__file__).resolve().parents[2] / "scoring" / "presets"
EXAMPLES = PRESETS / "examples"

EVENTS = "member,member_type,date,item,points\n陈静,正式党员,2021-03-01,volunteer-service,\n"
YIYUAN_EVENTS = "member,member_type,date,item,points\n张伟,正式党员,2021-07-01,commendation,5\n"


@pytest.fixture
def files(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    write.dir = tmp_path
    return write


def simulate(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("score_simulate", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def test_zhijian_with_vote_scores_gives_v1_columns():
    """质检 2021 (Dec 2020 – Nov 2021), base 60, 民主评议 a vote score of 0–20:

    陈静 (正式): 迟到 −1; 酌情 4 + 志愿服务 3 × 2 = 10 → 69; + 19 = 88
    杨帆 (预备): 志愿服务 2 → 62; + 18.5 = 80.5
    周敏 (预备): 志愿服务 2 → 62; no row in EVAL.csv → + 0 = 62
    孙丽 (入党积极分子): 缺席 −2 → 58, ranked apart (rank empty)
    """
    status, out, err = simulate(
        str(PRESETS / "zhijian.yaml"),
        str(EXAMPLES / "zhijian-events.csv"),
        "--evaluations",
        str(EXAMPLES / "zhijian-evaluations.csv"),
        "--cycle",
        "2021",
    )
    assert (status, err) == (0, "")
    assert out == dedent(
        """\
        member,total,grade,rank,member_type,basic,bonus,base,carry_over,evaluation,veto
        陈静,88,具有评优资格,1,正式党员,-1,10,60,0,19,否
        杨帆,80.5,具有评优资格,2,预备党员,0,2,60,0,18.5,否
        周敏,62,具有评优资格,3,预备党员,0,2,60,0,0,否
        孙丽,58,合格,,入党积极分子,-2,0,60,0,0,否
        """
    )


def test_yiyuan_with_last_years_totals_carries_40_percent_over():
    """医院 2021: 张伟 last year 90 → 36 + tasks 47.5 + reward 5 − 1.5 = 87; 王芳 last year 100 → 40 + reward
    (8 + 5, capped at 10) = 50; 李娜 (no row in PREV.csv) → task 12, nothing carried."""
    status, out, err = simulate(
        str(PRESETS / "yiyuan.yaml"),
        str(EXAMPLES / "yiyuan-events.csv"),
        "--previous",
        str(EXAMPLES / "yiyuan-previous.csv"),
        "--cycle",
        "2021",
    )
    assert (status, err) == (0, "")
    assert out == dedent(
        """\
        member,total,grade,rank,member_type,basic,task,reward,base,carry_over,evaluation,veto
        张伟,87,,1,正式党员,-1.5,47.5,5,0,36,0,否
        王芳,50,,2,正式党员,0,0,10,0,40,0,否
        李娜,12,,3,预备党员,0,12,0,0,0,0,否
        """
    )


def test_the_erqi_example_with_levels_rescales_the_points():
    """二七区 with its example files (levels): 张伟 24 + 10 = 34 points → 34 × 100 × 0.7 / 140 = 17; + 优秀
    100 × 0.3 = 47 → 不合格 (below 60)."""
    status, out, _ = simulate(
        str(PRESETS / "erqi-2021.yaml"),
        str(EXAMPLES / "erqi-2021-events.csv"),
        "--evaluations",
        str(EXAMPLES / "erqi-2021-evaluations.csv"),
        "--cycle",
        "2021",
    )
    assert status == 0
    assert out.splitlines()[1] == "张伟,47,不合格,1,正式党员,24,10,0,0,0,100,否"


ZHIJIAN = str(PRESETS / "zhijian.yaml")
XINGJI = str(PRESETS / "xingji-dangyuan.yaml")
YIYUAN = str(PRESETS / "yiyuan.yaml")

EVALUATION_ERRORS = [
    pytest.param(
        ZHIJIAN,
        "member,level\n陈静,优秀\n",
        "eval.csv 第1行 表头: 表头应为 member,score(缺少列 score;多余列 level;"
        "规则集的民主评议为投票得分(member,score))",
        id="levels header for a score rule set",
    ),
    pytest.param(
        XINGJI,
        "member,score\n陈静,18\n",
        "eval.csv 第1行 表头: 表头应为 member,level(缺少列 level;多余列 score;"
        "规则集的民主评议为等次评定(member,level))",
        id="score header for a levels rule set",
    ),
    pytest.param(
        ZHIJIAN,
        "member,score\n陈静,25\n",
        "eval.csv 第2行 score: 评议得分 25 超出 0 至 20 分的范围",
        id="above max",
    ),
    pytest.param(
        ZHIJIAN,
        "member,score\n陈静,-1\n",
        "eval.csv 第2行 score: 评议得分 -1 超出 0 至 20 分的范围",
        id="negative",
    ),
    pytest.param(
        ZHIJIAN, "member,score\n陈静,二十\n", "eval.csv 第2行 score: 评议得分应为数值:二十", id="not a number"
    ),
    pytest.param(ZHIJIAN, "member,score\n陈静,\n", "eval.csv 第2行 score: 不能为空", id="empty score"),
    pytest.param(
        ZHIJIAN,
        "member,score\n陈静,18\n陈静,19\n",
        "eval.csv 第3行 member: 成员“陈静”的评议得分重复(第2行已有)",
        id="duplicate member",
    ),
    pytest.param(
        ZHIJIAN,
        "member,score\n路人,18\n",
        "eval.csv 第2行 member: 成员“路人”不在事件文件中,无法确定其党员类型",
        id="unknown member",
    ),
]


@pytest.mark.parametrize(("rules", "evaluations", "message"), EVALUATION_ERRORS)
def test_each_kind_of_evaluation_error_is_named(files, rules, evaluations, message):
    events = EVENTS if rules == ZHIJIAN else EVENTS.replace("volunteer-service", "work-discipline")
    args = [rules, files("events.csv", events), "--evaluations", files("eval.csv", evaluations)]
    status, out, err = simulate(*args, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/{message}"


PREVIOUS_ERRORS = [
    pytest.param(
        "member,total\n张伟,九十\n", "prev.csv 第2行 total: 上年总分应为数值:九十", id="not a number"
    ),
    pytest.param("member,total\n张伟,-5\n", "prev.csv 第2行 total: 上年总分不能为负数:-5", id="negative"),
    pytest.param("member,total\n张伟,\n", "prev.csv 第2行 total: 不能为空", id="empty total"),
    pytest.param(
        "member,total\n路人,90\n", "prev.csv 第2行 member: 成员“路人”不在事件文件中", id="unknown member"
    ),
    pytest.param(
        "member,total\n张伟,90\n张伟,80\n",
        "prev.csv 第3行 member: 成员“张伟”的上年总分重复(第2行已有)",
        id="duplicate member",
    ),
    pytest.param(
        "member,score\n张伟,90\n",
        "prev.csv 第1行 表头: 表头应为 member,total(缺少列 total;多余列 score)",
        id="bad header",
    ),
    pytest.param("member,total\n张伟,90,1\n", "prev.csv 第2行 表头: 该行有 3 列,表头有 2 列", id="long row"),
]


@pytest.mark.parametrize(("previous", "message"), PREVIOUS_ERRORS)
def test_each_kind_of_previous_totals_error_is_named(files, previous, message):
    args = [YIYUAN, files("events.csv", YIYUAN_EVENTS), "--previous", files("prev.csv", previous)]
    status, out, err = simulate(*args, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/{message}"


def test_every_bad_line_of_the_previous_totals_is_reported_at_once(files):
    previous = "member,total\n张伟,九十\n路人,-1\n"
    args = [YIYUAN, files("events.csv", YIYUAN_EVENTS), "--previous", files("prev.csv", previous)]
    status, out, err = simulate(*args, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert [line.split(" ", 1)[1] for line in err.strip().splitlines()] == [
        "第2行 total: 上年总分应为数值:九十",
        "第3行 member: 成员“路人”不在事件文件中",
        "第3行 total: 上年总分不能为负数:-1",
    ]


def test_last_years_totals_need_a_rule_set_with_carry_over(files):
    args = [ZHIJIAN, files("events.csv", EVENTS), "--previous", files("prev.csv", "member,total\n陈静,90\n")]
    status, out, err = simulate(*args, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/prev.csv: 规则集没有结转(carry_over),不能使用上年总分文件"


def test_a_missing_previous_file_is_named(files):
    args = [YIYUAN, files("events.csv", YIYUAN_EVENTS), "--previous", str(files.dir / "none.csv")]
    status, out, err = simulate(*args, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/none.csv: 文件不存在"
