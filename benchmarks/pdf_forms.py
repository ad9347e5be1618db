"""How fast are the printed forms? A 50-member branch ledger and a one-member ledger, alone and with two
worker processes.

Builds a throwaway SQLite database (in a temporary directory, never the project's): one branch of 50
members under the 二七区 rules for 2025, with a year of meetings, lectures, activity days, dues, study and a
few deductions (about 2,150 ledger entries), then times ``reports.documents.forms``:

- ``member_ledger_pdf(member, 2025)``: 党员积分量化管理台账, one member, the whole year (one A4 page);
- ``branch_ledger_pdf(branch, "2025")``: the branch ledger, 50 members × 12 months (A4 landscape);
- ``branch_ledger_pdf(branch, "2025-Q4")``: the same for a quarter, every month's four columns;
- the same documents spread over two worker processes (``multiprocessing``, spawn), pages per second.

Each time includes the form's data (the scoring core, month by month) and the WeasyPrint render. CPU
seconds are printed beside wall seconds: on a shared machine the wall time grows with the load, the CPU
time does not.

Run: .venv/bin/python benchmarks/pdf_forms.py [--repeat 5] [--batch 12]
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2025
MEMBERS = 50
MONTHLY = ("branch-meeting", "party-lecture", "activity-day", "dues")


def setup_django(var_dir: str) -> None:
    """Django on the embedded SQLite default inside ``var_dir`` (never a configured database)."""
    os.environ.pop("DATABASE_URL", None)
    os.environ["JIFEN_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # WeasyPrint and fontTools log every step at INFO
    import django

    django.setup()


def build() -> tuple[int, list[int]]:
    """The branch and its members, with a year of ledger entries; returns (branch pk, member pks)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import Organization
    from accounts.services import member_create
    from scoring.core.presets import preset_path
    from scoring.models import LedgerEntry
    from scoring.services import ledger_record, ruleset_create

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    with transaction.atomic():
        committee = Organization.objects.add_root(
            {"code": "B", "name": "基准测试街道党工委", "kind": "committee"}
        )
        branch = Organization.objects.add_child(
            committee, {"code": "B-01", "name": "基准测试第一党支部", "kind": "branch"}
        )
        ruleset_create(
            organization=committee,
            cycle=YEAR,
            text=preset_path("erqi-2021").read_text(encoding="utf-8"),
            by=None,
            in_force=True,
        )
        members = []
        for n in range(MEMBERS):
            members.append(
                member_create(
                    user=users.create_user(username=f"bench{n:02d}"),
                    real_name=f"党员{n:02d}号",
                    branch=branch,
                    id_number=f"41010219800101{n:04d}",
                    since=datetime.date(2020, 1, 1),
                    created_by=None,
                )
            )
        for n, member in enumerate(members):
            for month in range(1, 13):
                day = datetime.date(YEAR, month, 5)
                for item in MONTHLY[: 4 - (n + month) % 3]:  # someone misses a meeting now and then
                    ledger_record(member=member, item_code=item, occurred_on=day, source="record", by=None)
                if (n + month) % 2 == 0:
                    study = datetime.date(YEAR, month, 15)
                    ledger_record(
                        member=member, item_code="study", occurred_on=study, source="record", by=None
                    )
                if (n + month) % 11 == 0:
                    late = datetime.date(YEAR, month, 20)
                    ledger_record(
                        member=member,
                        item_code="late-written-material",
                        occurred_on=late,
                        source="record",
                        by=None,
                    )
    print(f"built: 1 branch, {MEMBERS} members, {LedgerEntry.objects.count()} ledger entries for {YEAR}")
    return branch.pk, [member.pk for member in members]


def pages(data: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


# ---------------------------------------------------------------- one document, in this process or a worker


def render(job: tuple[str, int, str]) -> bytes:
    from accounts.models import Member, Organization
    from reports.documents.forms import branch_ledger_pdf, member_ledger_pdf

    kind, pk, period = job
    if kind == "member":
        return member_ledger_pdf(Member.objects.get(pk=pk), int(period))
    return branch_ledger_pdf(Organization.objects.get(pk=pk), period)


def render_counted(job: tuple[str, int, str]) -> tuple[bytes, float]:
    """The document and the CPU seconds this process spent on it."""
    start = time.process_time()
    data = render(job)
    return data, time.process_time() - start


def worker_init(var_dir: str) -> None:
    setup_django(var_dir)
    render(("member", WARM_MEMBER, str(YEAR)))  # load Pango, the fonts and the rules once per worker


WARM_MEMBER = 0  # set in main() before the pool starts; spawn re-imports the module, so passed explicitly


def worker_init_with(var_dir: str, member_pk: int) -> None:
    global WARM_MEMBER
    WARM_MEMBER = member_pk
    worker_init(var_dir)


def timed(job: tuple[str, int, str], repeat: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds over ``repeat`` renders, and the document's pages."""
    times, cpu, data = [], [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        data, used = render_counted(job)
        times.append(time.perf_counter() - start)
        cpu.append(used)
    return statistics.median(times), statistics.median(cpu), pages(data)


def parallel(
    var_dir: str, warm: int, jobs: list[tuple[str, int, str]], workers: int
) -> tuple[float, float, int]:
    """Wall seconds to render ``jobs`` on ``workers`` warm processes, their CPU seconds, the pages made."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=worker_init_with, initargs=(var_dir, warm)) as pool:
        pool.map(render, jobs[:workers], chunksize=1)  # every worker has started and rendered once
        start = time.perf_counter()
        results = pool.map(render_counted, jobs, chunksize=1)
        elapsed = time.perf_counter() - start
    return elapsed, sum(cpu for _, cpu in results), sum(pages(data) for data, _ in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="renders per timing (the median is shown)")
    parser.add_argument("--batch", type=int, default=12, help="documents per parallel run")
    args = parser.parse_args()

    print(f"load average: {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="jifen-bench-") as var_dir:
        setup_django(var_dir)
        start = time.perf_counter()
        branch, members = build()
        print(f"  (set-up {time.perf_counter() - start:.1f} s)")

        start = time.perf_counter()
        render(("member", members[0], str(YEAR)))
        first = time.perf_counter() - start
        print(f"first render in a fresh process (loads Pango, fonts, rules): {first:.2f} s")

        one = ("member", members[1], str(YEAR))
        year = ("branch", branch, str(YEAR))
        quarter = ("branch", branch, f"{YEAR}-Q4")
        for label, job in (
            ("one-member ledger (党员积分量化管理台账, 12 months)", one),
            (f"{MEMBERS}-member branch ledger, whole year (12 month columns)", year),
            (f"{MEMBERS}-member branch ledger, one quarter (3 × 4 columns)", quarter),
        ):
            seconds, cpu, count = timed(job, args.repeat)
            print(
                f"{label}: {seconds:.2f} s (CPU {cpu:.2f} s), {count} page(s), {count / seconds:.2f} pages/s"
            )

        batches = {
            "one-member ledgers": [("member", pk, str(YEAR)) for pk in members[: args.batch]],
            f"{MEMBERS}-member branch ledgers (year)": [year] * max(2, args.batch // 4),
        }
        for label, jobs in batches.items():
            for workers in (1, 2):
                elapsed, cpu, count = parallel(var_dir, members[0], jobs, workers)
                print(
                    f"{len(jobs)} {label}, {workers} worker(s): {elapsed:.2f} s, {count} pages, "
                    f"{count / elapsed:.2f} pages/s (CPU {cpu / count:.2f} s per page)"
                )
        print(f"load average now: {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
