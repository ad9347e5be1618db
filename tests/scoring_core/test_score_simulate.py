"""``manage.py score_simulate RULESET.yaml EVENTS.csv [--evaluations EVAL.csv] --cycle YEAR`` follows the
contract: the result CSV on stdout, limits reported on stderr; any input error named by file, line and field
on stderr, nothing on stdout, exit status 2.

These tests have no ``db`` fixture: pytest-django refuses any query, so they also prove the simulator
touches no database row.
"""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from textwrap import dedent

import pytest
from django.core.management import call_command

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"

RULES = dedent(
    """\
    code: sim
    name: 试算细则
    base_points: 10
    categories:
      - {code: basic, name: 基础, cap: 20}
      - {code: deduction, name: 扣分}
    items:
      - {code: meeting, name: 支部党员大会, category: basic, points: 1, limit: {per: month, times: 1}}
      - {code: proposal, name: 酌情加分, category: basic, points: [2, 5]}
      - {code: leave, name: 请假, category: deduction, points: -0.5}
      - {code: help, name: 帮扶, points: 1}
    evaluation:
      mode: added
      levels: {优秀: 20, 合格: 15}
    grades:
      - {name: 优秀, min: 30}
      - {name: 合格, min: null}
    """
)

EVENTS = dedent(
    """\
    member,member_type,date,item,points
    张伟,正式党员,2021-01-10,meeting,
    张伟,正式党员,2021-01-20,meeting,
    王芳,预备党员,2021-02-10,proposal,4.5
    王芳,预备党员,2021-03-01,leave,
    李娜,正式党员,2021-03-01,meeting,
    刘洋,入党积极分子,2021-04-01,help,
    陈静,正式党员,2021-04-01,proposal,2
    """
)


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


def test_the_result_is_a_csv_ordered_by_rank_then_member(files):
    status, out, err = simulate(
        files("rules.yaml", RULES),
        files("events.csv", EVENTS),
        "--evaluations",
        files("eval.csv", "member,level\n张伟,合格\n"),
        "--cycle",
        "2021",
    )
    assert status == 0
    assert out == dedent(
        """\
        member,total,grade,rank,member_type,basic,deduction,uncategorized,base,carry_over,evaluation,veto
        张伟,26,合格,1,正式党员,1,0,0,10,0,15,否
        王芳,14,合格,2,预备党员,4.5,-0.5,0,10,0,0,否
        陈静,12,合格,3,正式党员,2,0,0,10,0,0,否
        李娜,11,合格,4,正式党员,1,0,0,10,0,0,否
        刘洋,11,合格,,入党积极分子,0,0,1,10,0,0,否
        """
    )
    assert err.strip().endswith("第3行 item: 张伟 2021-01-20 支部党员大会:超过频次限制(每月1次),不计分")


def test_ties_are_ordered_by_member_and_share_a_rank(files):
    events = (
        "member,member_type,date,item,points\n乙,正式党员,2021-01-01,help,\n甲,正式党员,2021-01-01,help,\n"
    )
    status, out, _ = simulate(files("rules.yaml", RULES), files("events.csv", events), "--cycle", "2021")
    assert status == 0
    assert [line.split(",")[:4] for line in out.splitlines()[1:]] == [
        ["乙", "11", "合格", "1"],
        ["甲", "11", "合格", "1"],
    ]


def test_a_preset_runs_as_is(files):
    events = "member,member_type,date,item,points\n张伟,正式党员,2020-12-05,volunteer-service,\n"
    preset = str(Path(__file__).resolve().parents[2] / "scoring" / "presets" / "zhijian.yaml")
    status, out, _ = simulate(preset, files("events.csv", events), "--cycle", "2021")
    assert status == 0
    assert out.splitlines()[1].startswith("张伟,62,具有评优资格,1,")


def test_a_local_rule_file_extending_a_preset_is_merged(files):
    local = (
        "code: village\nname: 某村\nextends: nongcun\nitems:\n  - {code: repair, name: 修理机械, points: 3}\n"
    )
    events = "member,member_type,date,item,points\n" + "".join(
        f"老王,正式党员,2021-{month:02d}-03,repair,\n" for month in range(1, 12)
    )
    status, out, _ = simulate(files("village.yaml", local), files("events.csv", events), "--cycle", "2021")
    assert status == 0
    assert out.splitlines()[1].startswith("老王,133,达到基础分,1,")  # 100 + 11 × 3


ERRORS = [
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2022-01-01,meeting,\n",
        "events.csv 第2行 date: 日期 2022-01-01 不在 2021 积分周期(2021-01-01 至 2021-12-31)内",
        id="date outside the cycle",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-13-01,meeting,\n",
        "events.csv 第2行 date: 日期应为 YYYY-MM-DD 格式:2021-13-01",
        id="date not a date",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,party,\n",
        "events.csv 第2行 item: 未知的积分项目:party",
        id="unknown item",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,党员,2021-01-01,meeting,\n",
        "events.csv 第2行 member_type: "
        "未知的党员类型:党员(应为 正式党员、预备党员、发展对象、入党积极分子 之一)",
        id="unknown member type",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,proposal,\n",
        "events.csv 第2行 points: 项目“酌情加分”的分值在审核时确定,须填写 2 至 5 之间的分值",
        id="points missing",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,proposal,5.5\n",
        "events.csv 第2行 points: 分值 5.5 超出项目“酌情加分”的分值区间 2 至 5",
        id="points out of range",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,meeting,1\n",
        "events.csv 第2行 points: 项目“支部党员大会”为固定分值 1 分,不应填写分值",
        id="points for a fixed item",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,proposal,三\n",
        "events.csv 第2行 points: 分值应为数值:三",
        id="points not a number",
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,help,\n张伟,预备党员,2021-02-01,help,\n",
        "events.csv 第3行 member_type: 成员“张伟”的党员类型为 预备党员,与第2行的 正式党员 不一致",
        id="several member types",
    ),
    pytest.param(
        "member,type,date,item,points\n",
        "events.csv 第1行 表头: 表头应为 member,member_type,date,item,points(缺少列 member_type;多余列 type)",
        id="bad header",
    ),
    pytest.param(
        "", "events.csv 第1行 表头: 文件为空,缺少表头 member,member_type,date,item,points", id="empty file"
    ),
    pytest.param(
        "member,member_type,date,item,points\n张伟,正式党员,2021-01-01\n",
        "events.csv 第2行 表头: 该行有 3 列,表头有 5 列",
        id="short row",
    ),
    pytest.param(
        "member,member_type,date,item,points\n,正式党员,2021-01-01,help,\n",
        "events.csv 第2行 member: 不能为空",
        id="member missing",
    ),
]


@pytest.mark.parametrize(("events", "message"), ERRORS)
def test_each_kind_of_event_error_is_named_with_nothing_on_stdout_and_status_2(files, events, message):
    rules, events_path = files("rules.yaml", RULES), files("events.csv", events)
    status, out, err = simulate(rules, events_path, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/{message}"


def test_every_bad_line_is_reported_at_once(files):
    events = (
        "member,member_type,date,item,points\n"
        "张伟,正式党员,2022-01-01,meeting,\n"
        "张伟,正式党员,2021-01-01,x,\n"
    )
    status, out, err = simulate(files("rules.yaml", RULES), files("events.csv", events), "--cycle", "2021")
    assert (status, out) == (2, "")
    assert [line.split(" ")[1:3] for line in err.strip().splitlines()] == [
        ["第2行", "date:"],
        ["第3行", "item:"],
    ]


@pytest.mark.parametrize(
    ("evaluations", "message"),
    [
        ("member,grade\n", "eval.csv 第1行 表头: 表头应为 member,level(缺少列 level;多余列 grade)"),
        ("member,level\n张伟,很好\n", "eval.csv 第2行 level: 未知的评议等次:很好(应为 优秀、合格 之一)"),
        ("member,level\n路人,优秀\n", "eval.csv 第2行 member: 成员“路人”不在事件文件中,无法确定其党员类型"),
        (
            "member,level\n张伟,优秀\n张伟,合格\n",
            "eval.csv 第3行 member: 成员“张伟”的评议等次重复(第2行已有)",
        ),
    ],
)
def test_evaluation_file_errors_are_named_too(files, evaluations, message):
    events = "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,help,\n"
    args = [
        files("rules.yaml", RULES),
        files("events.csv", events),
        "--evaluations",
        files("eval.csv", evaluations),
    ]
    status, out, err = simulate(*args, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/{message}"


def test_evaluations_need_a_rule_set_with_an_evaluation(files):
    rules = "code: t\nname: 测\nitems: [{code: help, name: 帮扶, points: 1}]\n"
    events = "member,member_type,date,item,points\n张伟,正式党员,2021-01-01,help,\n"
    args = [
        files("rules.yaml", rules),
        files("events.csv", events),
        "--evaluations",
        files("eval.csv", "member,level\n"),
    ]
    status, out, err = simulate(*args, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/eval.csv: 规则集没有民主评议(evaluation),不能使用评议文件"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("code: t\nname: [未闭合\n", "rules.yaml 第3行: YAML 格式错误:"),
        (
            RULES.replace("points: [2, 5]", "points: [5, 2]"),
            "rules.yaml 第9行 items[1].points: 分值区间下限不能大于上限",
        ),
        (
            "code: t\nname: 测\nextends: nowhere\nitems: []\n",
            "rules.yaml 第3行 extends: 找不到上级规则集:nowhere",
        ),
    ],
)
def test_a_malformed_rule_set_is_named_with_its_line_and_field(files, rules, message):
    events = files("events.csv", "member,member_type,date,item,points\n")
    status, out, err = simulate(files("rules.yaml", rules), events, "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip().startswith(f"{files.dir}/{message}")


def test_a_missing_file_is_named(files):
    status, out, err = simulate(files("rules.yaml", RULES), str(files.dir / "none.csv"), "--cycle", "2021")
    assert (status, out) == (2, "")
    assert err.strip() == f"{files.dir}/none.csv: 文件不存在"


def test_it_runs_on_an_installation_whose_database_does_not_exist(files, tmp_path):
    """A real process, with a var directory holding no database: the run succeeds and creates none; an error
    exits with status 2."""
    env = {**os.environ, "JIFEN_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    rules, events = files("rules.yaml", RULES), files("events.csv", EVENTS)
    command = [sys.executable, str(MANAGE), "score_simulate", rules, events, "--cycle"]
    done = subprocess.run([*command, "2021"], capture_output=True, text=True, env=env, cwd=MANAGE.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("member,total,grade,rank")
    assert not (tmp_path / "var" / "jifen.sqlite3").exists()
    failed = subprocess.run([*command, "2020"], capture_output=True, text=True, env=env, cwd=MANAGE.parent)
    assert (failed.returncode, failed.stdout) == (2, "")
    assert "第2行 date: 日期 2021-01-10 不在 2020 积分周期" in failed.stderr
