"""演示数据: a realistic street Party working committee, its branches, members and a login per role.

The data is plain module-level tuples, built once at import by pure arithmetic on the member's
position (no randomness, no "today"), so every run seeds the same people with the same ID numbers —
screenshots and tests can rely on it. ``demo_seed()`` writes it through the accounts services, and
only into a database that has no organization yet, so ``scripts/run`` may call it on every start.

Later steps (rule sets, claims in every state) are appended to ``SEED_STEPS``; each step receives
the ``DemoState`` the earlier steps filled in.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.id_numbers import id_check_character
from accounts.models import Member, Organization, RoleAssignment
from accounts.services import member_create, member_transfer, role_grant

User = get_user_model()
Kind = Member.Kind
Status = Member.Status
Role = RoleAssignment.Role

# One password for every demo login. It passes the project's validators (length ≥ 8, not common,
# not numeric, not similar to any demo username). Never run the demo seed on a production database.
DEMO_PASSWORD = "Jifen@2026"

ROLES_VALID_FROM = datetime.date(2026, 1, 1)
ROLES_REASON = "换届选举"
# The street committee reorganized its branches on this date; long-standing members' spells start here.
BRANCHES_REORGANIZED_ON = datetime.date(2015, 6, 1)


# --- Organizations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganization:
    code: str
    name: str
    kind: str
    parent_code: str | None


COMMITTEE_CODE = "CXL"
MAIN_BRANCH_CODE = "CXL-01-01"
SECOND_BRANCH_CODE = "CXL-01-02"

# Parents before children. Depth varies: the non-public enterprises' branch sits right under the committee.
DEMO_ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization("CXL", "中共郑州市二七区长兴路街道工作委员会", Organization.Kind.COMMITTEE, None),
    DemoOrganization("CXL-01", "长兴路街道机关党总支", Organization.Kind.GENERAL_BRANCH, "CXL"),
    DemoOrganization("CXL-01-01", "机关第一党支部", Organization.Kind.BRANCH, "CXL-01"),
    DemoOrganization("CXL-01-02", "机关第二党支部", Organization.Kind.BRANCH, "CXL-01"),
    DemoOrganization("CXL-02", "长兴路街道社区党总支", Organization.Kind.GENERAL_BRANCH, "CXL"),
    DemoOrganization("CXL-02-01", "长兴社区党支部", Organization.Kind.BRANCH, "CXL-02"),
    DemoOrganization("CXL-02-02", "福寿街社区党支部", Organization.Kind.BRANCH, "CXL-02"),
    DemoOrganization("CXL-02-03", "康宁路社区党支部", Organization.Kind.BRANCH, "CXL-02"),
    DemoOrganization("CXL-03", "非公有制企业联合党支部", Organization.Kind.BRANCH, "CXL"),
)
ORGANIZATION_NAMES: dict[str, str] = {o.code: o.name for o in DEMO_ORGANIZATIONS}

# The roster of each branch, one letter per member, in order: F 正式党员 在岗, M 正式党员 流动党员,
# E 正式党员 经批准免于积分 (elderly), P 预备党员, C 发展对象, A 入党积极分子. The length is the size.
BRANCH_ROSTERS: dict[str, str] = {
    "CXL-01-01": "FFFFFFFFFFFMFFPPCA",  # 18
    "CXL-01-02": "FFFFFFFMFPCA",  # 12
    "CXL-02-01": "FFFFFFFMFFFFFEFFFFPPPCAA",  # 24
    "CXL-02-02": "FFFFFFMFFFFFFFEFFFMFFFFFPPPCCA",  # 30
    "CXL-02-03": "FFFFFMFA",  # 8
    "CXL-03": "FFFMP",  # 5
}
_ROSTER_LETTERS: dict[str, tuple[str, str]] = {
    "F": (Kind.FULL, Status.ACTIVE),
    "M": (Kind.FULL, Status.MOBILE),
    "E": (Kind.FULL, Status.EXEMPT),
    "P": (Kind.PROBATIONARY, Status.ACTIVE),
    "C": (Kind.CANDIDATE, Status.ACTIVE),
    "A": (Kind.ACTIVIST, Status.ACTIVE),
}

# Memorable logins for the role holders and a plain member: (branch code, position in its roster).
NAMED_POSITIONS: dict[tuple[str, int], str] = {
    (MAIN_BRANCH_CODE, 0): "secretary",
    (MAIN_BRANCH_CODE, 1): "committee",
    (MAIN_BRANCH_CODE, 2): "clerk",
    (MAIN_BRANCH_CODE, 3): "member",
    (SECOND_BRANCH_CODE, 0): "secretary2",
    (SECOND_BRANCH_CODE, 1): "clerk2",
}

# 转接组织关系: (branch code, position) → (came from branch, on, reason). Shows the membership history.
TRANSFERS: dict[tuple[str, int], tuple[str, datetime.date, str]] = {
    (MAIN_BRANCH_CODE, 3): (SECOND_BRANCH_CODE, datetime.date(2024, 7, 1), "工作调动"),
    ("CXL-02-02", 4): ("CXL-02-01", datetime.date(2025, 3, 15), "居住地变更"),
}


# --- People --------------------------------------------------------------------------------------

# 31 surnames × 37 given names (both prime): position g gets SURNAMES[g % 31] + GIVEN_NAMES[5g % 37],
# unique for the first 1,147 positions by the Chinese remainder theorem. Pinyin gives the usernames.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"),
    ("韩", "han"), ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("萧", "xiao"),
    ("程", "cheng"),
)  # fmt: skip
# (given name, pinyin, male?)
GIVEN_NAMES: tuple[tuple[str, str, bool], ...] = (
    ("建国", "jianguo", True), ("秀英", "xiuying", False), ("志强", "zhiqiang", True),
    ("桂兰", "guilan", False), ("海涛", "haitao", True), ("丽娟", "lijuan", False),
    ("俊杰", "junjie", True), ("海燕", "haiyan", False), ("明辉", "minghui", True),
    ("晓梅", "xiaomei", False), ("文博", "wenbo", True), ("雪芳", "xuefang", False),
    ("国栋", "guodong", True), ("静怡", "jingyi", False), ("振华", "zhenhua", True),
    ("雅琴", "yaqin", False), ("永刚", "yonggang", True), ("婷婷", "tingting", False),
    ("立新", "lixin", True), ("思雨", "siyu", False), ("浩然", "haoran", True),
    ("欣怡", "xinyi", False), ("子轩", "zixuan", True), ("玉珍", "yuzhen", False),
    ("宏伟", "hongwei", True), ("春花", "chunhua", False), ("德胜", "desheng", True),
    ("慧敏", "huimin", False), ("家豪", "jiahao", True), ("淑华", "shuhua", False),
    ("鹏飞", "pengfei", True), ("佳琪", "jiaqi", False), ("春生", "chunsheng", True),
    ("梦瑶", "mengyao", False), ("天佑", "tianyou", True), ("红霞", "hongxia", False),
    ("晓东", "xiaodong", True),
)  # fmt: skip

# Administrative division codes of Zhengzhou and nearby (first six digits of an ID number).
AREA_CODES: tuple[str, ...] = ("410103", "410102", "410105", "410104", "410122", "410181", "410184", "411081")
PHONE_PREFIXES: tuple[str, ...] = (
    "138", "139", "137", "136", "135", "150", "151", "158", "159", "186", "187", "188", "131", "132",
    "155", "156", "133", "153", "189", "177",
)  # fmt: skip


@dataclass(frozen=True)
class DemoPerson:
    username: str
    real_name: str
    male: bool


@dataclass(frozen=True)
class DemoMember:
    username: str
    real_name: str
    branch_code: str
    kind: str
    status: str
    id_number: str
    phone: str
    joined_party_on: datetime.date | None
    probation_start: datetime.date | None
    probation_end: datetime.date | None
    since: datetime.date  # start of the first branch spell
    transferred_from: tuple[str, datetime.date, str] | None = None


def _person(g: int) -> DemoPerson:
    surname, surname_py = SURNAMES[g % len(SURNAMES)]
    given, given_py, male = GIVEN_NAMES[(5 * g) % len(GIVEN_NAMES)]
    return DemoPerson(username=surname_py + given_py, real_name=surname + given, male=male)


def _day(year: int, g: int, *, salt: int = 0, months: int = 12, first_month: int = 1) -> datetime.date:
    """A spread-out but fixed date in ``year`` for position ``g`` (day ≤ 28: valid in every month).

    ``salt`` keeps one person's dates (birth, joining, ...) from all falling on the same day of the year.
    """
    return datetime.date(year, first_month + (5 * g + salt) % months, 1 + (11 * g + 3 * salt) % 28)


def _birth_year(g: int, kind: str, status: str) -> int:
    if status == Status.EXEMPT:
        return 1936 + g % 5  # 年老体弱, exempted by the committee
    return {
        Kind.FULL: 1958 + (7 * g) % 40,
        Kind.PROBATIONARY: 1994 + g % 8,
        Kind.CANDIDATE: 1996 + g % 7,
        Kind.ACTIVIST: 1998 + g % 6,
    }[kind]


def _id_number(g: int, birth: datetime.date, male: bool) -> str:
    order = 2 * (10 + (37 * g) % 480) + (1 if male else 0)  # odd for men, even for women
    first17 = f"{AREA_CODES[g % len(AREA_CODES)]}{birth:%Y%m%d}{order:03d}"
    return first17 + id_check_character(first17)


def _phone(g: int) -> str:
    # Affine maps with multipliers coprime with 10**8 and a digit reversal are all bijections on eight
    # digits, so the trailing digits never repeat; the reversal hides the arithmetic progression.
    mixed = f"{(48271937 * g + 31415926) % 10**8:08d}"[::-1]
    return f"{PHONE_PREFIXES[g % len(PHONE_PREFIXES)]}{(69069 * int(mixed) + 12345) % 10**8:08d}"


def _member(g: int, branch_code: str, position: int, letter: str) -> DemoMember:
    kind, status = _ROSTER_LETTERS[letter]
    person = _person(g)
    birth = _day(_birth_year(g, kind, status), g)
    joined = probation_start = probation_end = None
    if kind == Kind.FULL:
        joined = _day(min(birth.year + 21 + g % 11, 2023), g, salt=7)
        since = max(joined, BRANCHES_REORGANIZED_ON)
    elif kind == Kind.PROBATIONARY:
        # 入党日期 is the day of admission as 预备党员; the probation lasts one year.
        joined = probation_start = _day(2026, g, salt=3, months=8, first_month=3)
        probation_end = probation_start.replace(year=probation_start.year + 1)
        since = _day(2023, g, salt=5)  # in the branch since they were an 入党积极分子
    else:
        since = _day(2024 if kind == Kind.CANDIDATE else 2025, g, salt=5, months=9)
    return DemoMember(
        username=NAMED_POSITIONS.get((branch_code, position), person.username),
        real_name=person.real_name,
        branch_code=branch_code,
        kind=kind,
        status=status,
        id_number=_id_number(g, birth, person.male),
        phone=_phone(g),
        joined_party_on=joined,
        probation_start=probation_start,
        probation_end=probation_end,
        since=since,
        transferred_from=TRANSFERS.get((branch_code, position)),
    )


def _build_members() -> tuple[DemoMember, ...]:
    members = []
    for branch_code, roster in BRANCH_ROSTERS.items():
        for position, letter in enumerate(roster):
            members.append(_member(len(members), branch_code, position, letter))
    return tuple(members)


DEMO_MEMBERS: tuple[DemoMember, ...] = _build_members()

# The higher-committee officer works in the committee's office and belongs to no branch of the demo.
HIGHER_PERSON = _person(len(DEMO_MEMBERS))


# --- Logins --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    label: str  # 角色 as shown in the table
    username: str
    role: str | None  # the RoleAssignment role granted, None for the plain member and the admin
    organization_code: str | None

    @property
    def organization_name(self) -> str:
        return ORGANIZATION_NAMES[self.organization_code] if self.organization_code else "全部组织"

    @property
    def real_name(self) -> str:
        if self.username == ADMIN_USERNAME:
            return ADMIN_NAME
        if self.username == HIGHER_USERNAME:
            return HIGHER_PERSON.real_name
        return next(m.real_name for m in DEMO_MEMBERS if m.username == self.username)


ADMIN_USERNAME = "admin"
ADMIN_NAME = "系统管理员"
HIGHER_USERNAME = "higher"

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("党员", "member", None, MAIN_BRANCH_CODE),
    DemoLogin("组织委员", "clerk", Role.CLERK, MAIN_BRANCH_CODE),
    DemoLogin("支委委员", "committee", Role.COMMITTEE, MAIN_BRANCH_CODE),
    DemoLogin("支部书记", "secretary", Role.SECRETARY, MAIN_BRANCH_CODE),
    DemoLogin("组织委员", "clerk2", Role.CLERK, SECOND_BRANCH_CODE),
    DemoLogin("支部书记", "secretary2", Role.SECRETARY, SECOND_BRANCH_CODE),
    DemoLogin("上级党委", HIGHER_USERNAME, Role.HIGHER, COMMITTEE_CODE),
    DemoLogin("系统管理员", ADMIN_USERNAME, None, None),
)


def logins_table(logins: tuple[DemoLogin, ...] | list[DemoLogin] = DEMO_LOGINS) -> str:
    """The demo logins as an aligned text table (CJK characters count as two columns)."""
    rows = [("角色", "登录名", "密码", "姓名", "组织")]
    rows += [(x.label, x.username, DEMO_PASSWORD, x.real_name, x.organization_name) for x in logins]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def demo_logins_present() -> list[DemoLogin]:
    """The demo logins that exist in this database (none when it was not seeded by the demo)."""
    existing = set(
        User.objects.filter(username__in=[x.username for x in DEMO_LOGINS]).values_list("username", flat=True)
    )
    return [x for x in DEMO_LOGINS if x.username in existing]


# --- Seeding -------------------------------------------------------------------------------------


@dataclass
class DemoState:
    """What the steps have written so far, for the steps after them."""

    password_hash: str
    admin: Any = None
    organizations: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)


def _create_user(state: DemoState, username: str, real_name: str, **extra: Any) -> Any:
    # One hash for everybody: hashing ~100 passwords with PBKDF2 would take most of a minute.
    user = User.objects.create(username=username, first_name=real_name, password=state.password_hash, **extra)
    state.users[username] = user
    return user


def _seed_admin(state: DemoState) -> None:
    state.admin = _create_user(state, ADMIN_USERNAME, ADMIN_NAME, is_staff=True, is_superuser=True)


def _seed_organizations(state: DemoState) -> None:
    for spec in DEMO_ORGANIZATIONS:
        fields = {"code": spec.code, "name": spec.name, "kind": spec.kind}
        if spec.parent_code is None:
            node = Organization.objects.add_root(fields)
        else:
            parent = state.organizations[spec.parent_code]
            parent.refresh_from_db()  # treebeard counts children on the parent row
            node = Organization.objects.add_child(parent, fields)
        state.organizations[spec.code] = node


_CREATE_REASONS = {
    Kind.FULL: "组织关系转入",
    Kind.PROBATIONARY: "支部大会接收为预备党员",
    Kind.CANDIDATE: "确定为发展对象",
    Kind.ACTIVIST: "确定为入党积极分子",
}


def _seed_members(state: DemoState) -> None:
    for spec in DEMO_MEMBERS:
        first_branch = spec.transferred_from[0] if spec.transferred_from else spec.branch_code
        member = member_create(
            user=_create_user(state, spec.username, spec.real_name),
            real_name=spec.real_name,
            branch=state.organizations[first_branch],
            id_number=spec.id_number,
            since=spec.since,
            created_by=state.admin,
            reason=_CREATE_REASONS[spec.kind],
            kind=spec.kind,
            status=spec.status,
            joined_party_on=spec.joined_party_on,
            probation_start=spec.probation_start,
            probation_end=spec.probation_end,
            phone=spec.phone,
        )
        if spec.transferred_from:
            _, on, reason = spec.transferred_from
            member_transfer(
                member=member,
                to_branch=state.organizations[spec.branch_code],
                on=on,
                by=state.admin,
                reason=reason,
            )
            member.refresh_from_db()
        state.members[spec.username] = member


def _seed_roles(state: DemoState) -> None:
    _create_user(state, HIGHER_USERNAME, HIGHER_PERSON.real_name)
    for login in DEMO_LOGINS:
        if login.role is None:
            continue
        role_grant(
            user=state.users[login.username],
            organization=state.organizations[login.organization_code],
            role=login.role,
            valid_from=ROLES_VALID_FROM,
            granted_by=state.admin,
            reason=ROLES_REASON,
        )


# Later issues append their steps (rule sets, claims in every state) here.
SEED_STEPS: list[Callable[[DemoState], None]] = [_seed_admin, _seed_organizations, _seed_members, _seed_roles]


@transaction.atomic
def demo_seed() -> DemoState | None:
    """Write the demo data if the database has no organization yet; return what was written, or None."""
    if Organization.objects.exists():
        return None
    state = DemoState(password_hash=make_password(DEMO_PASSWORD))
    for step in SEED_STEPS:
        step(state)
    return state
