"""Reading and validating roster files, without the database (accounts.roster)."""

import datetime
import time

import pytest

from accounts import roster, spreadsheets
from accounts.id_numbers import id_check_character
from accounts.messages import FILE_XLSX_ODD_COMPRESSION
from accounts.models import Member, Organization
from accounts.roster import Directory, RosterRejected, RowError
from tests.accounts.data import unsafe_xlsx
from tests.accounts.data.rosters import HEADERS, csv_bytes, person, valid_id, xlsx_bytes

A = "C01-G1-A"


def parse(content: bytes, name: str = "名册.csv"):
    return roster.parse_rows(roster.read_sheet(name=name, content=content))


def rejected(content: bytes, name: str = "名册.csv") -> list[str]:
    with pytest.raises(RosterRejected) as caught:
        parse(content, name)
    return [str(e) for e in caught.value.errors]


# --- ID numbers (GB 11643) ---


def test_id_check_character_matches_the_standards_worked_example():
    assert id_check_character("11010519491231002") == "X"
    assert roster.id_number_problem("11010519491231002X") is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "不能为空"),
        ("110105491231002", "不支持 15 位旧身份证号，请填写 18 位身份证号"),
        ("11010519491231002", "应为 18 位：前 17 位为数字，末位为数字或 X"),
        ("1101051949123100AX", "应为 18 位：前 17 位为数字，末位为数字或 X"),
        ("110105194913310021", "其中的出生日期不正确"),
        ("110105194912310021", "校验位不正确"),
    ],
)
def test_id_number_problems_are_named(value, problem):
    assert str(roster.id_number_problem(value)) == problem


def test_lowercase_x_is_accepted_and_stored_upper_case():
    rows = parse(csv_bytes([person(1, A, 身份证号="11010519491231002x")]))
    assert rows[0].id_number == "11010519491231002X"


def test_id_number_in_a_numeric_excel_cell_is_rejected_because_digits_are_lost():
    errors = rejected(xlsx_bytes([person(1, A, 身份证号=110105198503150011)]), "名册.xlsx")
    assert errors == ["第 2 行「身份证号」：单元格为数字格式，末几位已丢失；请将该列设为文本格式后重新填写"]


def test_id_number_saved_by_excel_in_scientific_notation_is_rejected():
    errors = rejected(csv_bytes([person(1, A, 身份证号="1.10105E+17")]))
    assert errors == ["第 2 行「身份证号」：单元格为数字格式，末几位已丢失；请将该列设为文本格式后重新填写"]


# --- Dates ---


@pytest.mark.parametrize(
    "text", ["2021-07-01", "2021/7/1", "2021年7月1日", "2021.7.1", "20210701", "2021-07-01 00:00:00"]
)
def test_dates_are_read_in_the_ways_clerks_write_them(text):
    assert roster.parse_date(text) == datetime.date(2021, 7, 1)


def test_real_excel_date_cells_are_read():
    rows = parse(xlsx_bytes([person(1, A, 入党日期=datetime.date(2021, 7, 1))]), "名册.xlsx")
    assert rows[0].joined_party_on == datetime.date(2021, 7, 1)


def test_a_bad_date_names_the_row_the_column_and_the_value():
    assert rejected(csv_bytes([person(1, A), person(2, A, 入党日期="2021-02-30")])) == [
        "第 3 行「入党日期」：「2021-02-30」不是有效日期，可写作 2021-07-01、2021/7/1 或 2021年7月1日"
    ]


# --- Encodings and layout ---


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(encoding):
    rows = parse(csv_bytes([person(1, A), person(2, A, 状态="流动党员")], encoding=encoding))
    assert [r.real_name for r in rows] == ["李秀英", "张志强"]
    assert rows[1].status == Member.Status.MOBILE


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers():
    content = csv_bytes([person(1, A), {}, person(2, A, 手机号="12345")])
    assert rejected(content) == ["第 4 行「手机号」：应为以 1 开头的 11 位数字"]


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out():
    headers = ["党员类别", "支部编码", "身份证号", "姓名"]
    rows = parse(csv_bytes([person(1, A)], headers=headers))
    assert rows[0].status == Member.Status.ACTIVE
    assert rows[0].phone == ""
    assert rows[0].login == roster.generated_login(valid_id(1))


def test_a_title_line_above_the_header_is_tolerated():
    content = ("某某党支部党员名册\n" + csv_bytes([person(1, A), person(2, A, 姓名="")]).decode()).encode()
    assert rejected(content) == ["第 4 行「姓名」：不能为空"]


def test_a_missing_required_header_names_the_column():
    headers = [h for h in HEADERS if h != "身份证号"]
    assert rejected(csv_bytes([person(1, A)], headers=headers)) == [
        "第 1 行「身份证号」：表头缺少此必填列，请使用名册模板"
    ]


def test_a_file_with_only_a_header_has_no_members():
    assert rejected(csv_bytes([])) == ["文件中没有党员数据（第 1 行应为表头，从第 2 行起每行一名党员）。"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("名册.pdf", "仅支持 Excel（.xlsx）或 CSV（.csv）文件。"),
        ("名册.xls", "不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后上传。"),
        ("名册", "仅支持 Excel（.xlsx）或 CSV（.csv）文件。"),
    ],
)
def test_only_xlsx_and_csv_files_are_read(name, message):
    assert rejected(b"whatever", name) == [message]


def test_a_csv_renamed_to_xlsx_is_not_read_as_excel():
    assert rejected(csv_bytes([person(1, A)]), "名册.xlsx") == [
        "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。"
    ]


def test_a_file_over_the_size_limit_is_rejected(settings):
    settings.ROSTER_MAX_BYTES = 100
    assert rejected(b"x" * 101) == ["文件大小超过上限 100\xa0字节。"]


# --- Row checks ---


def test_every_problem_of_every_row_is_listed_at_once():
    content = csv_bytes(
        [
            person(1, A, 姓名="", 党员类别="党员"),
            person(2, A, 状态="退休", 手机号="1380000111"),
            person(3, A, 党员类别="预备党员", 预备期开始="2024-07-01"),
            person(4, A, 预备期开始="2024-07-01", 预备期结束="2024-06-30"),
            person(5, A, 支部编码="", 登录名="bad name!"),
        ]
    )
    assert rejected(content) == [
        "第 2 行「姓名」：不能为空",
        "第 2 行「党员类别」：「党员」不是有效的党员类别，可选：正式党员、预备党员、发展对象、入党积极分子",
        "第 3 行「手机号」：应为以 1 开头的 11 位数字",
        "第 3 行「状态」：「退休」不是有效的状态，可选：在岗、流动党员、经批准免于积分",
        "第 4 行「预备期结束」：预备党员须填写预备期开始和结束日期",
        "第 5 行「预备期结束」：预备期结束不能早于预备期开始",
        "第 6 行「支部编码」：不能为空",
        "第 6 行「登录名」：只能包含字母、数字、汉字和 @ . + - _，且不超过 150 个字符",
    ]


def test_a_duplicate_id_number_names_the_first_row():
    content = csv_bytes([person(1, A), person(2, A), person(3, A, 身份证号=valid_id(1))])
    assert rejected(content) == ["第 4 行「身份证号」：与第 2 行的身份证号重复"]


def test_a_valid_row_becomes_model_values():
    row = parse(
        csv_bytes(
            [
                person(
                    1,
                    A,
                    党员类别="预备党员",
                    状态="经批准免于积分",
                    手机号="139 0000 0001",
                    预备期开始="2024/7/1",
                    预备期结束="2025年7月1日",
                )
            ]
        )
    )[0]
    assert row.kind == Member.Kind.PROBATIONARY
    assert row.status == Member.Status.EXEMPT
    assert row.phone == "13900000001"
    assert (row.probation_start, row.probation_end) == (datetime.date(2024, 7, 1), datetime.date(2025, 7, 1))
    assert row.login == "13900000001"


def test_row_error_reads_like_the_brief():
    assert str(RowError(5, "身份证号", "校验位不正确")) == "第 5 行「身份证号」：校验位不正确"


# --- Checks against the database's answers (a Directory) ---


def _directory(**kw) -> Directory:
    branch_a = Organization(pk=1, code=A, name="第一党支部", kind=Organization.Kind.BRANCH)
    branch_b = Organization(pk=2, code="C01-G1-B", name="第二党支部", kind=Organization.Kind.BRANCH)
    general = Organization(pk=3, code="C01-G1", name="第一党总支", kind=Organization.Kind.GENERAL_BRANCH)
    defaults = {
        "on": datetime.date(2025, 1, 1),
        "branches": {o.code: o for o in (branch_a, branch_b, general)},
        "manageable": {1, 3},
        "members": {},
        "spell_starts": {},
        "taken_logins": set(),
    }
    return Directory(**(defaults | kw))


def check(rows, **kw) -> list[str]:
    return [str(e) for e in roster.check_references(parse(csv_bytes(rows)), _directory(**kw))]


def test_branch_codes_must_name_a_branch_the_uploader_manages():
    rows = [person(1, "C99"), person(2, "C01-G1"), person(3, "C01-G1-B"), person(4, A)]
    assert check(rows) == [
        "第 2 行「支部编码」：支部编码「C99」不存在",
        "第 3 行「支部编码」：「第一党总支」不是党支部，党员只能导入到党支部",
        "第 4 行「支部编码」：您无权管理「第二党支部」的党员",
    ]


def test_new_members_logins_must_be_free_and_distinct():
    rows = [person(1, A), person(2, A, 手机号="13900000001"), person(3, A, 登录名="taken")]
    assert check(rows, taken_logins={"taken"}) == [
        "第 3 行「登录名」：登录名「13900000001」与第 2 行重复，请在「登录名」列另行填写",
        "第 4 行「登录名」：登录名「taken」已被其他用户使用，请在「登录名」列另行填写",
    ]


def test_an_existing_member_outside_the_uploaders_organizations_cannot_be_changed():
    outsider = Member(pk=7, id_number=valid_id(1), branch_id=2)
    assert check([person(1, A)], members={valid_id(1): outsider}) == [
        "第 2 行「身份证号」：该身份证号的党员所在组织不在您的管理范围内"
    ]


def test_a_transfer_must_come_after_the_current_spell_began():
    member = Member(pk=7, id_number=valid_id(1), branch_id=3)
    errors = check(
        [person(1, A)],
        members={valid_id(1): member},
        spell_starts={7: datetime.date(2025, 1, 1)},
    )
    assert errors == ["第 2 行「支部编码」：该党员自 2025年1月1日 起在现支部，转接生效日期须晚于该日期"]


def test_a_damaged_xlsx_is_reported_as_unreadable():
    content = xlsx_bytes([person(1, A)])
    assert rejected(content[: len(content) // 2], "名册.xlsx") == [
        "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。"
    ]


# --- Files that cost more to read than their size ---


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_before_it_is_read():
    """130 000 repeated rows: 0.1 MB uploaded, 22 MB of XML for openpyxl to parse and keep."""
    content = unsafe_xlsx.repeated_rows(HEADERS[:4], rows=130_000)
    started = time.perf_counter()

    assert rejected(content, "名册.xlsx") == [
        "该 Excel 文件解压后超过 20.0\xa0MB，系统不予读取。"
        "请只保留需要导入的工作表和数据行，另存为新文件后上传。"
    ]
    assert time.perf_counter() - started < 1


def test_an_xlsx_packed_more_than_a_hundred_to_one_is_refused_as_a_zip_bomb():
    content = unsafe_xlsx.repeated_rows(HEADERS[:4], rows=15_000)  # 15 KB packing 2.5 MB
    assert rejected(content, "名册.xlsx") == [str(FILE_XLSX_ODD_COMPRESSION)]


def test_a_sheet_longer_than_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "SHEET_MAX_ROWS", 3)
    assert rejected(xlsx_bytes([person(n, A) for n in range(1, 4)]), "名册.xlsx") == [
        "表格超过 3 行，系统不予读取。请分成几份文件分别导入。"
    ]


def test_a_sheet_claiming_every_cell_of_excel_is_read_as_the_cells_it_has():
    """A dimension of A1:XFD1048576 would otherwise pad each row to 16 384 cells."""
    content = unsafe_xlsx.claiming_every_cell(HEADERS[:2], ["王建国", valid_id(1)])
    assert spreadsheets.xlsx_rows(content) == [(1, HEADERS[:2]), (2, ["王建国", valid_id(1)])]
