# ruff: noqa: E501 — the SQL reads better on long lines than broken mid-expression.
"""The statements that write the province: server-side ``INSERT … SELECT`` over ``generate_series``.

Each statement computes its rows' ids and foreign keys from the layout in ``shape`` (helper functions in
the ``gen`` schema, dropped at the end), so the tables are independent and are written two at a time.

Hash chains (``audit.chain``): the generated ledger entries carry placeholders, ``prev_hash = 'gp<id>'``
and ``hash = 'gh<id>'`` — unique, as the column's constraint and the next entry the app writes on top need
(its ``prev_hash`` is the last row's ``hash``) — but not the SHA-256 chain, so ``verify_ledger`` reports
every branch's chain broken at its first generated entry. No audit records are generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks._province.shape import (
    CLAIM_ASSIGNED,
    CLAIM_DONE_BRANCH,
    CLAIM_DONE_MEMBER,
    CLAIM_OPEN_BRANCH,
    CLAIM_OPEN_RECORD,
    CLAIM_OPEN_REVIEW,
    OFFICER_ROLES,
    PERIOD_DONE,
    PERIOD_FILING,
    TASKS_PER_KIND,
    Shape,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋"
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建国", "建华", "海燕", "志强", "玉兰", "晓东", "红梅",
    "永刚", "丽娟", "海涛", "欣怡", "文博", "子涵", "浩然", "思远", "雨桐", "国庆", "春梅",
)  # fmt: skip

CLAIM_FLOW = "workflows/flows.ClaimFlow"
PERIOD_FLOW = "workflows/flows.PeriodReviewFlow"

# (kind, step, flow_task suffix, task type, status, permission, who did it)
# who: clerk / cm (a committee member, alternating) / cm1 (the first one) / sec / higher (the committee's
# officer) / '' (nobody: an automatic step, or a task still waiting in the queue).
_CLAIM_HEAD = [("submit", "START", "DONE", "", ""), ("route", "EXCLUSIVE_GATEWAY", "DONE", "", "")]
_RECORD_DONE = ("record", "HUMAN", "DONE", "accounts.record_claims", "clerk")
_RECORDED = ("recorded", "EXCLUSIVE_GATEWAY", "DONE", "", "")
_REVIEW_DONE = ("review", "HUMAN", "DONE", "accounts.review_claims", "cm")
_END = ("end", "END", "DONE", "", "")
_PERIOD_HEAD = [
    ("start", "START", "DONE", "", ""),
    ("publicity", "TIMER", "DONE", "", ""),
    ("appeals_settled", "CONDITION", "DONE", "", ""),
    ("approve", "HUMAN", "DONE", "accounts.approve_period", "sec"),
]
TEMPLATES: dict[int, list[tuple[str, str, str, str, str]]] = {
    CLAIM_DONE_MEMBER: [*_CLAIM_HEAD, _RECORD_DONE, _RECORDED, _REVIEW_DONE, _END],
    CLAIM_DONE_BRANCH: [*_CLAIM_HEAD, _REVIEW_DONE, _END],
    CLAIM_OPEN_RECORD: [*_CLAIM_HEAD, ("record", "HUMAN", "NEW", "accounts.record_claims", "")],
    CLAIM_OPEN_REVIEW: [*_CLAIM_HEAD, _RECORD_DONE, _RECORDED, ("review", "HUMAN", "NEW", "accounts.review_claims", "")],
    CLAIM_OPEN_BRANCH: [*_CLAIM_HEAD, ("review", "HUMAN", "NEW", "accounts.review_claims", "")],
    CLAIM_ASSIGNED: [
        *_CLAIM_HEAD, _RECORD_DONE, _RECORDED, ("review", "HUMAN", "ASSIGNED", "accounts.review_claims", "cm1"),
    ],
    PERIOD_DONE: [
        *_PERIOD_HEAD,
        ("file", "HUMAN", "DONE", "accounts.review_filings", "higher"),
        ("filed", "EXCLUSIVE_GATEWAY", "DONE", "", ""),
        _END,
    ],
    PERIOD_FILING: [*_PERIOD_HEAD, ("file", "HUMAN", "NEW", "accounts.review_filings", "")],
}  # fmt: skip
assert all(len(steps) == TASKS_PER_KIND[kind] for kind, steps in TEMPLATES.items())


@dataclass(frozen=True)
class Items:
    """Rule items of the preset the claims and entries name: (code, points) per source."""

    member: list[tuple[str, str]]
    branch: list[tuple[str, str]]


def _array(values: list[str] | tuple[str, ...]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def helpers(shape: Shape, items: Items) -> list[str]:
    """The ``gen`` schema: layout functions (inlined by the planner) and the task templates."""
    L, NB1 = shape.large_branch_members, shape.branches - 1
    B, G, C, M = shape.branches, shape.general_branches, shape.committees, shape.members
    mcodes, mpoints = _array([c for c, _ in items.member]), _array([p for _, p in items.member])
    bcodes, bpoints = _array([c for c, _ in items.branch]), _array([p for _, p in items.branch])
    statements = [
        "DROP SCHEMA IF EXISTS gen CASCADE",
        "CREATE SCHEMA gen",
        f"""CREATE FUNCTION gen.branch_idx(m bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN m <= {L} THEN 0 ELSE 1 + (m - {L} - 1) % {NB1} END $$""",
        f"""CREATE FUNCTION gen.local_of(m bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN m <= {L} THEN m - 1 ELSE (m - {L} - 1) / {NB1} END $$""",
        f"""CREATE FUNCTION gen.officer(bi bigint, r int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN bi = 0 THEN r + 1 ELSE {L} + bi + r::bigint * {NB1} END $$""",
        f"""CREATE FUNCTION gen.general_idx(bi bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT bi * {G} / {B} $$""",
        f"""CREATE FUNCTION gen.higher_officer(bi bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT {M} + 2 + (bi * {G} / {B}) * {C} / {G} $$""",
        f"""CREATE FUNCTION gen.name(m bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT substr('{SURNAMES}', 1 + (m % {len(SURNAMES)})::int, 1)
                         || ({_array(GIVEN)})[1 + ((m / {len(SURNAMES)}) % {len(GIVEN)})::int] $$""",
        f"""CREATE FUNCTION gen.member_item(i bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT ({mcodes})[1 + (i % {len(items.member)})::int] $$""",
        f"""CREATE FUNCTION gen.member_points(i bigint) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT ({mpoints})[1 + (i % {len(items.member)})::int]::numeric $$""",
        f"""CREATE FUNCTION gen.branch_item(i bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT ({bcodes})[1 + (i % {len(items.branch)})::int] $$""",
        f"""CREATE FUNCTION gen.branch_points(i bigint) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT ({bpoints})[1 + (i % {len(items.branch)})::int]::numeric $$""",
        """CREATE TABLE gen.tpl (kind int, seq int, flow_task text, task_type text, status text,
            perm text, who text, PRIMARY KEY (kind, seq))""",
        "CREATE TABLE gen.role_perm (role text, permission_id int)",
    ]
    rows = []
    for kind, steps in TEMPLATES.items():
        flow = PERIOD_FLOW if kind in (PERIOD_DONE, PERIOD_FILING) else CLAIM_FLOW
        for seq, (step, task_type, status, perm, who) in enumerate(steps, start=1):
            rows.append(f"({kind},{seq},'{flow}.{step}','{task_type}','{status}','{perm}','{who}')")
    statements.append("INSERT INTO gen.tpl VALUES " + ",".join(rows))
    return statements


def staging(shape: Shape) -> list[str]:
    """``gen.claim`` and ``gen.proc``: one row per claim and per process, with their task offsets."""
    L, M, P = shape.large_branch_members, shape.members, shape.periods
    R0 = shape.first_regular_claimant
    NRM = M - R0 + 1
    N, every = shape.regular_claims, shape.open_every
    done_start, _ = shape.quarter_bounds(1)
    _, done_end = shape.quarter_bounds(P)
    done_days = (done_end - done_start).days + 1
    open_start, _ = shape.quarter_bounds(shape.open_quarter)
    assigned = shape.counts["large_assigned"]
    filing_every = shape.counts["filing_every"]
    k_rec, k_rev, k_br, k_as = CLAIM_OPEN_RECORD, CLAIM_OPEN_REVIEW, CLAIM_OPEN_BRANCH, CLAIM_ASSIGNED
    k_dm, k_db = CLAIM_DONE_MEMBER, CLAIM_DONE_BRANCH
    ntasks = "CASE kind " + " ".join(f"WHEN {k} THEN {n}" for k, n in TASKS_PER_KIND.items()) + " END"
    return [
        """CREATE UNLOGGED TABLE gen.claim (id bigint PRIMARY KEY, member_id bigint, bi bigint, kind int,
            item_code text, points numeric, occurred_on date, ledger_id bigint)""",
        # Ordinary branches: one claim per member who holds no office, round the branches; one in
        # ``every`` still open (4 of 10 waiting for 登记, 4 for 审核, 1 a branch record for 审核, 1 taken).
        # The large branch: every member who holds no office has a claim waiting for 审核, one waiting
        # for 登记 and one approved; the first few also one a committee member has taken (待办).
        # The approved ones are numbered for their ledger entries.
        f"""INSERT INTO gen.claim (id, member_id, bi, kind, item_code, points, occurred_on, ledger_id)
            SELECT id, m, bi, k, item_code, points, occurred_on,
                   CASE WHEN k IN ({k_dm}, {k_db}) THEN count(*) FILTER (WHERE k IN ({k_dm}, {k_db})) OVER (ORDER BY id) END
            FROM (
                SELECT i + 1 AS id, m, gen.branch_idx(m) AS bi, k,
                       CASE WHEN k IN ({k_db}, {k_br}) THEN gen.branch_item(i / {NRM}) ELSE gen.member_item(i / {NRM}) END AS item_code,
                       CASE WHEN k IN ({k_db}, {k_br}) THEN gen.branch_points(i / {NRM})
                            ELSE gen.member_points(i / {NRM}) END AS points,
                       CASE WHEN k IN ({k_dm}, {k_db}) THEN DATE '{done_start}' + ((i * 7 + i / {NRM}) % {done_days})::int
                            ELSE DATE '{open_start}' + ((i + i / {NRM}) % 60)::int END AS occurred_on
                FROM (SELECT i, {R0} + i % {NRM} AS m,
                             CASE WHEN i % {every} = 0 THEN
                                      (ARRAY[{k_rec},{k_rec},{k_rec},{k_rec},{k_rev},{k_rev},{k_rev},{k_rev},{k_br},{k_as}])
                                      [1 + ((i / {every}) % 10)::int]
                                  WHEN i % 2 = 0 THEN {k_db} ELSE {k_dm} END AS k
                      FROM generate_series(0, {N - 1}) i) r
                UNION ALL
                SELECT {N} + row_number() OVER (ORDER BY m, slot), m, 0, k,
                       gen.member_item(slot), gen.member_points(slot),
                       CASE WHEN k = {k_dm} THEN DATE '{done_start}' + (m % {done_days})::int
                            ELSE DATE '{open_start}' + ((m + slot) % 60)::int END
                FROM (SELECT m, slot, (ARRAY[{k_rev},{k_rec},{k_dm},{k_as}])[slot] AS k
                      FROM generate_series(5, {L}) m, generate_series(1, 4) slot
                      WHERE slot < 4 OR m - 5 < {assigned}) l
            ) s""",
        """CREATE UNLOGGED TABLE gen.proc (id bigint PRIMARY KEY, kind int, bi bigint, claim_id bigint,
            review_id bigint, q int, task_base bigint)""",
        # Each process's tasks get the ids after the previous process's.
        f"""INSERT INTO gen.proc (id, kind, bi, claim_id, review_id, q, task_base)
            SELECT id, kind, bi, claim_id, review_id, q, sum(n) OVER (ORDER BY id) - n
            FROM (
                SELECT id, kind, bi, id AS claim_id, NULL::bigint AS review_id, NULL::int AS q, {ntasks} AS n
                FROM gen.claim
                UNION ALL
                SELECT id, kind, bi, NULL, bi * {P} + q + 1, q, {ntasks}
                FROM (SELECT (SELECT max(id) FROM gen.claim) + bi * {P} + q + 1 AS id,
                             CASE WHEN q = {P - 1} AND bi % {filing_every} = 1 % {filing_every}
                                  THEN {PERIOD_FILING} ELSE {PERIOD_DONE} END AS kind, bi, q
                      FROM generate_series(0, {shape.branches - 1}) bi, generate_series(0, {P - 1}) q) p
            ) s""",
        "ANALYZE gen.claim",
        "ANALYZE gen.proc",
    ]


@dataclass(frozen=True)
class Job:
    """One table's rows: a name for the progress line, the table, and its statements."""

    name: str
    table: str
    statements: tuple[str, ...]


def _ts(day_sql: str, hour: int = 10) -> str:
    return f"(({day_sql}) + TIME '{hour:02d}:00')::timestamptz"


def jobs(shape: Shape, *, password_hash: str, version_id: int, org_ct: int, previous: bool) -> list[Job]:
    """Every bulk table, largest first (two workers take them in this order)."""
    M, B, P, E = shape.members, shape.branches, shape.periods, shape.entries_per_member
    BR0, C, G = shape.first_branch_id, shape.committees, shape.general_branches
    since = f"DATE '{shape.cycle}-01-01'"
    pw = password_hash.replace("'", "''")
    done_start, _ = shape.quarter_bounds(1)
    _, done_end = shape.quarter_bounds(P)
    done_days = (done_end - done_start).days + 1
    n_claim_ledger = "(SELECT coalesce(max(ledger_id), 0) FROM gen.claim)"
    quarter_start = f"make_date({shape.cycle}, 3 * p.q + 1, 1)"
    quarter_end = f"(make_date({shape.cycle}, 3 * p.q + 1, 1) + INTERVAL '3 months' - INTERVAL '1 day')::date"
    who = """CASE t.who WHEN 'clerk' THEN gen.officer(p.bi, 1) WHEN 'cm' THEN gen.officer(p.bi, 2 + (p.id % 2)::int)
                 WHEN 'cm1' THEN gen.officer(p.bi, 2) WHEN 'sec' THEN gen.officer(p.bi, 0)
                 WHEN 'higher' THEN gen.higher_officer(p.bi) END"""
    proc_day = f"""CASE WHEN p.claim_id IS NOT NULL THEN c.occurred_on
                        ELSE (make_date({shape.cycle}, 3 * p.q + 1, 1) + INTERVAL '3 months')::date END"""
    task_created = f"({_ts(proc_day, 9)} + (t.seq || ' hours')::interval)"
    result = [
        Job(
            "tasks (viewflow_task)",
            "viewflow_task",
            (
                f"""INSERT INTO viewflow_task (id, flow_task, flow_task_type, status, created, started, finished,
                        token, owner_permission, owner_id, process_id, owner_permission_content_type_id,
                        owner_permission_obj_pk, assigned, data)
                    SELECT p.task_base + t.seq, t.flow_task, t.task_type, t.status, {task_created},
                           CASE WHEN t.status = 'DONE' THEN {task_created} END,
                           CASE WHEN t.status = 'DONE' THEN {task_created} + INTERVAL '30 minutes' END,
                           'start', nullif(t.perm, ''), {who}, p.id,
                           CASE WHEN t.perm <> '' THEN {org_ct} END,
                           CASE WHEN t.perm <> '' THEN ({BR0} + p.bi)::text END,
                           CASE WHEN t.who <> '' THEN {task_created} + INTERVAL '10 minutes' END,
                           '{{}}'::jsonb
                    FROM gen.proc p JOIN gen.tpl t ON t.kind = p.kind
                    LEFT JOIN gen.claim c ON c.id = p.claim_id""",
            ),
        ),
        Job(
            "frozen scores (审定积分)",
            "workflows_frozenscore",
            (
                f"""INSERT INTO workflows_frozenscore (approval_id, member_id, period_total, period_rank,
                        cycle_total, cycle_rank, grade, breakdown)
                    SELECT gen.branch_idx(m) * {P} + q + 1, m,
                           round(24 + (gen.branch_idx(m) % 13) - least(gen.local_of(m), 400) * 0.05, 2),
                           (gen.local_of(m) + 1)::int,
                           round((24 + (gen.branch_idx(m) % 13) - least(gen.local_of(m), 400) * 0.05) * (q + 1), 2),
                           (gen.local_of(m) + 1)::int, '',
                           '{{}}'::jsonb
                    FROM generate_series(0, {P - 1}) q, generate_series(1, {M}) m""",
            ),
        ),
        Job(
            "ledger entries (积分台账)",
            "scoring_ledgerentry",
            (
                # The claims' entries (登记 or 申报 approved), then 台账导入 entries for every member.
                f"""INSERT INTO scoring_ledgerentry (id, member_id, branch_id, ruleset_version_id, item_code,
                        occurred_on, points, source, reason, created_by_id, created_at, idempotency_key,
                        hash, prev_hash)
                    SELECT c.ledger_id, c.member_id, {BR0} + c.bi, {version_id}, c.item_code, c.occurred_on,
                           c.points, CASE WHEN c.kind = {CLAIM_DONE_BRANCH} THEN 'record' ELSE 'claim' END,
                           '审核通过', gen.officer(c.bi, 2 + (c.id % 2)::int), {_ts("c.occurred_on + 3", 16)},
                           'claim:' || c.id, 'gh' || c.ledger_id, 'gp' || c.ledger_id
                    FROM gen.claim c WHERE c.ledger_id IS NOT NULL""",
                f"""INSERT INTO scoring_ledgerentry (id, member_id, branch_id, ruleset_version_id, item_code,
                        occurred_on, points, source, reason, created_by_id, created_at, idempotency_key,
                        hash, prev_hash)
                    SELECT n, m, {BR0} + gen.branch_idx(m), {version_id}, gen.branch_item(m + e), d,
                           gen.branch_points(m + e), 'import', '台账导入', gen.officer(gen.branch_idx(m), 1),
                           {_ts("d + 1", 9)}, NULL, 'gh' || n, 'gp' || n
                    FROM (SELECT m, e, {n_claim_ledger} + (m - 1) * {E} + e + 1 AS n,
                                 DATE '{done_start}' + ((m * 11 + e * 97) % {done_days})::int AS d
                          FROM generate_series(1, {M}) m, generate_series(0, {E - 1}) e) s"""
                if E > 0
                else "SELECT 1",
            ),
        ),
        Job(
            "users (auth_user)",
            "auth_user",
            (
                f"""INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                        is_staff, is_active, date_joined)
                    SELECT m, '{pw}', false, 'm' || lpad(m::text, 7, '0'), gen.name(m), '', '',
                           gen.local_of(m) = 1, true, TIMESTAMPTZ '{shape.cycle - 1}-12-01 09:00+08'
                    FROM generate_series(1, {M}) m""",
                f"""INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                        is_staff, is_active, date_joined)
                    SELECT {M} + 1 + i, '{pw}', false,
                           CASE WHEN i = 0 THEN 'province'
                                WHEN i <= {C} THEN 'c' || lpad(i::text, 3, '0')
                                ELSE 'g' || lpad((i - {C})::text, 4, '0') END,
                           gen.name(i + 7), '', '', true, true, TIMESTAMPTZ '{shape.cycle - 1}-12-01 09:00+08'
                    FROM generate_series(0, {C + G}) i""",
            ),
        ),
        Job(
            "members (党员)",
            "accounts_member",
            (
                f"""INSERT INTO accounts_member (id, user_id, real_name, branch_id, kind, status, joined_party_on,
                        probation_start, probation_end, phone, id_number)
                    SELECT m, m, gen.name(m), {BR0} + gen.branch_idx(m),
                           CASE WHEN probationary THEN 'probationary' ELSE 'full' END, 'active',
                           CASE WHEN probationary THEN DATE '{shape.cycle}-03-01' ELSE DATE '1975-01-01' + (m % 16000)::int END,
                           CASE WHEN probationary THEN DATE '{shape.cycle}-03-01' END,
                           CASE WHEN probationary THEN DATE '{shape.cycle + 1}-02-28' END,
                           '13' || lpad((m % 1000000000)::text, 9, '0'), '4101' || lpad(m::text, 14, '0')
                    FROM (SELECT m, m % 41 = 7 AND gen.local_of(m) >= 4 AS probationary
                          FROM generate_series(1, {M}) m) s""",
            ),
        ),
        Job(
            "memberships (组织关系)",
            "accounts_branchmembership",
            (
                f"""INSERT INTO accounts_branchmembership (id, member_id, branch_id, start, reason, recorded_at)
                    SELECT m, m, {BR0} + gen.branch_idx(m), DATE '2015-06-01', '组织关系转入',
                           TIMESTAMPTZ '{shape.cycle - 1}-12-01 09:00+08'
                    FROM generate_series(1, {M}) m""",
            ),
        ),
        Job(
            "roles and object permissions (角色任命, guardian)",
            "guardian_userobjectpermission",
            (
                f"""INSERT INTO accounts_roleassignment (id, user_id, organization_id, role, valid_from, granted_at,
                        reason)
                    SELECT bi * 4 + r + 1, gen.officer(bi, r), {BR0} + bi,
                           ({_array(OFFICER_ROLES)})[r + 1], {since}, TIMESTAMPTZ '{shape.cycle}-01-01 09:00+08',
                           '换届选举'
                    FROM generate_series(0, {B - 1}) bi, generate_series(0, 3) r""",
                f"""INSERT INTO accounts_roleassignment (id, user_id, organization_id, role, valid_from, granted_at,
                        reason)
                    SELECT {4 * B} + 1 + i, {M} + 1 + i, 1 + i, 'higher', {since},
                           TIMESTAMPTZ '{shape.cycle}-01-01 09:00+08', '换届选举'
                    FROM generate_series(0, {C + G}) i""",
                f"""INSERT INTO guardian_userobjectpermission (object_pk, content_type_id, permission_id, user_id)
                    SELECT ra.organization_id::text, {org_ct}, rp.permission_id, ra.user_id
                    FROM accounts_roleassignment ra JOIN gen.role_perm rp ON rp.role = ra.role
                    ORDER BY ra.id, rp.permission_id""",
            ),
        ),
        Job(
            "claims (积分申报)",
            "workflows_claim",
            (
                f"""INSERT INTO workflows_claim (id, member_id, branch_id, ruleset_version_id, item_code, occurred_on,
                        place, description, points_requested, points_approved, source, status, cap_acknowledged,
                        decision_reason, decided_by_id, decided_at, ledger_entry_id, created_by_id, created_at)
                    SELECT c.id, c.member_id, {BR0} + c.bi, {version_id}, c.item_code, c.occurred_on, '', '参加活动',
                           CASE WHEN c.kind IN ({CLAIM_DONE_BRANCH}, {CLAIM_OPEN_BRANCH}) THEN NULL ELSE c.points END,
                           CASE WHEN c.ledger_id IS NOT NULL THEN c.points END,
                           CASE WHEN c.kind IN ({CLAIM_DONE_BRANCH}, {CLAIM_OPEN_BRANCH}) THEN 'branch' ELSE 'member' END,
                           CASE WHEN c.ledger_id IS NOT NULL THEN 'approved'
                                WHEN c.kind = {CLAIM_OPEN_RECORD} THEN 'submitted' ELSE 'recorded' END,
                           false, '',
                           CASE WHEN c.ledger_id IS NOT NULL THEN gen.officer(c.bi, 2 + (c.id % 2)::int) END,
                           CASE WHEN c.ledger_id IS NOT NULL THEN {_ts("c.occurred_on + 3", 16)} END,
                           c.ledger_id,
                           CASE WHEN c.kind IN ({CLAIM_DONE_BRANCH}, {CLAIM_OPEN_BRANCH}) THEN gen.officer(c.bi, 1)
                                ELSE c.member_id END,
                           {_ts("c.occurred_on", 9)}
                    FROM gen.claim c""",
            ),
        ),
        Job(
            "processes (viewflow_process)",
            "viewflow_process",
            (
                f"""INSERT INTO viewflow_process (id, status, created, finished, flow_class, data)
                    SELECT p.id, CASE WHEN p.kind IN ({CLAIM_DONE_MEMBER}, {CLAIM_DONE_BRANCH}, {PERIOD_DONE})
                                      THEN 'DONE' ELSE 'NEW' END,
                           {_ts(proc_day, 9)},
                           CASE WHEN p.kind IN ({CLAIM_DONE_MEMBER}, {CLAIM_DONE_BRANCH}, {PERIOD_DONE})
                                THEN {_ts(proc_day, 18)} + INTERVAL '3 days' END,
                           CASE WHEN p.claim_id IS NULL THEN '{PERIOD_FLOW}' ELSE '{CLAIM_FLOW}' END,
                           '{{}}'::jsonb
                    FROM gen.proc p LEFT JOIN gen.claim c ON c.id = p.claim_id""",
            ),
        ),
        Job(
            "branch processes (workflows_branchprocess)",
            "workflows_branchprocess",
            (
                f"""INSERT INTO workflows_branchprocess (process_ptr_id, organization_id, claim_id, period_review_id)
                    SELECT id, {BR0} + bi, claim_id, review_id FROM gen.proc""",
            ),
        ),
        Job(
            "periods (期间审定, 公示, 审定记录, 备案)",
            "workflows_periodreview",
            (
                f"""INSERT INTO workflows_periodreview (id, branch_id, cycle, period_kind, period_index, starts_on,
                        ends_on, status, started_by_id, created_at)
                    SELECT p.review_id, {BR0} + p.bi, {shape.cycle}, 'quarter', p.q + 1,
                           {quarter_start}, {quarter_end},
                           CASE WHEN p.kind = {PERIOD_FILING} THEN 'approved' ELSE 'archived' END,
                           gen.officer(p.bi, 1), {_ts(quarter_end + " + 1", 9)}
                    FROM gen.proc p WHERE p.review_id IS NOT NULL""",
                f"""INSERT INTO workflows_publicitywindow (id, branch_id, review_id, opens_at, closes_at,
                        opened_by_id)
                    SELECT p.review_id, {BR0} + p.bi, p.review_id,
                           {_ts(quarter_end + " + 1", 9)},
                           {_ts(quarter_end + " + 6", 9)}, gen.officer(p.bi, 1)
                    FROM gen.proc p WHERE p.review_id IS NOT NULL""",
                f"""INSERT INTO workflows_periodapproval (id, review_id, round, ruleset_version_id, approved_by_id,
                        approved_at, note)
                    SELECT p.review_id, p.review_id, 1, {version_id}, gen.officer(p.bi, 0),
                           {_ts(quarter_end + " + 7", 15)}, '同意'
                    FROM gen.proc p WHERE p.review_id IS NOT NULL""",
                f"""INSERT INTO workflows_filing (id, approval_id, status, decided_by_id, decided_at, reason)
                    SELECT p.review_id, p.review_id,
                           CASE WHEN p.kind = {PERIOD_FILING} THEN 'submitted' ELSE 'archived' END,
                           CASE WHEN p.kind = {PERIOD_DONE} THEN gen.higher_officer(p.bi) END,
                           CASE WHEN p.kind = {PERIOD_DONE} THEN {_ts(quarter_end + " + 10", 11)} END,
                           ''
                    FROM gen.proc p WHERE p.review_id IS NOT NULL""",
            ),
        ),
    ]
    if previous:
        result.insert(
            2,
            Job(
                "task links (viewflow_task_previous)",
                "viewflow_task_previous",
                (
                    """INSERT INTO viewflow_task_previous (from_task_id, to_task_id)
                        SELECT p.task_base + t.seq, p.task_base + t.seq - 1
                        FROM gen.proc p JOIN gen.tpl t ON t.kind = p.kind WHERE t.seq > 1""",
                ),
            ),
        )
    return result


# Tables whose secondary indexes and unique constraints are dropped for the load and rebuilt after.
BULK_TABLES = (
    "auth_user",
    "accounts_member",
    "accounts_branchmembership",
    "accounts_roleassignment",
    "guardian_userobjectpermission",
    "workflows_claim",
    "viewflow_process",
    "workflows_branchprocess",
    "viewflow_task",
    "viewflow_task_previous",
    "scoring_ledgerentry",
    "workflows_periodreview",
    "workflows_publicitywindow",
    "workflows_periodapproval",
    "workflows_frozenscore",
    "workflows_filing",
)

# Every table whose ids the generator chose: its id sequence must continue after them.
SEQUENCED_TABLES = tuple(t for t in BULK_TABLES if t not in ("workflows_branchprocess",))

INDEX_DEFINITIONS = """
SELECT c.conrelid::regclass::text, 'constraint', c.conname,
       format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)),
       pg_relation_size(c.conindid)
FROM pg_constraint c
WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)
UNION ALL
SELECT i.indrelid::regclass::text, 'index', ci.relname, pg_get_indexdef(i.indexrelid), pg_relation_size(i.indexrelid)
FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
WHERE NOT i.indisprimary AND i.indrelid::regclass::text = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
