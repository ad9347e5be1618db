"""The job's run: the plan, the ZIP and its manifest, progress, and resuming after a crash."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Member
from reports.jobs import files, parts, services
from reports.models import ExportJob, ExportJobPart
from tests.factories import make_member
from tests.reports.jobs.fakes import WorkerKilled
from tests.reports.jobs.helpers import manifest_rows, open_zip, result_of, sha256

pytestmark = pytest.mark.django_db

Status = ExportJob.Status
BRANCH_A_FILES = [
    "文件清单.csv",
    "文件清单.txt",
    "第一党支部/第一党支部_2026年度第3季度_支部积分台账.pdf",
    "第一党支部/第一党支部_2026年度第3季度_支部积分台账.xlsx",
    "第一党支部/刘洋_2026年度第3季度_党员季度积分明细登记表.pdf",
    "第一党支部/张伟_2026年度第3季度_党员季度积分明细登记表.pdf",
    "第一党支部/李娜_2026年度第3季度_党员季度积分明细登记表.pdf",
    "第一党支部/王芳_2026年度第3季度_党员季度积分明细登记表.pdf",
    "第一党支部/陈静_2026年度第3季度_党员季度积分明细登记表.pdf",
]


def start(user, organization, code: str = "2026-Q3") -> ExportJob:
    job, created = services.export_job_start(user=user, organization=organization, period_code=code)
    assert created
    return job


def run(job: ExportJob) -> str:
    outcome = services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    return outcome


# ---------------------------------------------------------------- the ZIP


def test_branch_export_holds_the_ledgers_and_every_scored_members_details(world, fake_parts):
    job = start(world.clerk_a, world.branch_a)

    assert run(job) == "done"

    assert (job.status, job.total_parts, job.parts_done, job.percent) == (Status.DONE, 7, 7, 100)
    assert job.step == "已完成，共 7 个文件。"
    assert job.download_name == "第一党支部_2026年度第3季度_积分台账.zip"
    path = result_of(job)
    assert job.result_sha256 == sha256(path.read_bytes()) and job.result_size == path.stat().st_size
    with open_zip(path) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(BRANCH_A_FILES)
        ledger = archive.read("第一党支部/第一党支部_2026年度第3季度_支部积分台账.pdf")
        assert ledger.startswith(b"%PDF") and b"branch_ledger_pdf \xe7\xac\xac" in ledger
    # The parts are in the ZIP: their working copies are gone; only the ZIP is kept.
    assert not (files.job_dir(job.work_key) / "parts").exists()
    assert [p.name for p in files.job_dir(job.work_key).iterdir()] == ["result.zip"]


def test_manifest_lists_each_file_with_its_sha256_state_time_and_requester(world, fake_parts):
    fake_parts.draft_branches = {world.branch_b.pk}
    job = start(world.higher, world.committee)
    run(job)

    with open_zip(result_of(job)) as archive:
        rows = manifest_rows(archive)
        assert len(rows) == job.total_parts == 2 * 2 + 5 + 2
        for row in rows:
            assert row["SHA-256"] == sha256(archive.read(row["文件"]))
            assert row["大小（字节）"] == str(len(archive.read(row["文件"])))
            assert row["生成人"] == "higher"
            assert row["生成时间"].startswith("20")
        states = {row["文件"].split("/")[0]: row["状态"] for row in rows}
        assert states == {"第一党支部": "已审定", "第二党支部": "草稿"}
        approved = next(r for r in rows if r["文件"].startswith("第一党支部"))
        assert approved["审定情况"] == "2026年度第3季度 第1次审定：陈静（2026-10-09 10:00）"
        text = archive.read("文件清单.txt").decode("utf-8")
    assert "组织：某区机关党委" in text and "周期：2026年度第3季度（2026-Q3）" in text
    assert "文件数：11（已审定 7，草稿 4）" in text
    assert "申请人（生成人）：higher" in text


def test_higher_committee_gets_one_folder_per_branch_below_it(world, fake_parts):
    job = start(world.higher, world.committee)
    run(job)

    with open_zip(result_of(job)) as archive:
        folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
        assert folders == {"第一党支部", "第二党支部"}
        assert "第二党支部/赵磊_2026年度第3季度_党员季度积分明细登记表.pdf" in archive.namelist()


def test_exempt_members_get_no_details_and_a_half_year_has_two_quarters(world, fake_parts):
    make_member(branch=world.branch_b, real_name="钱老", status=Member.Status.EXEMPT)
    job = start(world.clerk_b, world.branch_b, "2026-H2")
    run(job)

    with open_zip(result_of(job)) as archive:
        names = archive.namelist()
    assert "第二党支部/第二党支部_2026年度第2半年_支部积分台账.pdf" in names
    assert "第二党支部/赵磊_2026年度第3季度_党员季度积分明细登记表.pdf" in names
    assert "第二党支部/赵磊_2026年度第4季度_党员季度积分明细登记表.pdf" in names
    assert not [n for n in names if "钱老" in n]
    assert sorted(c[2] for c in fake_parts.made("quarter_detail_pdf")) == ["2026-Q3"] * 2 + ["2026-Q4"] * 2


def test_a_branch_without_rules_is_left_out_and_named(world, fake_parts):
    fake_parts.no_rules = {world.branch_b.pk}
    job = start(world.higher, world.committee)
    run(job)

    assert job.status == Status.DONE
    assert job.skipped == [{"branch": "第二党支部", "reason": "第二党支部 2026 年度没有生效的积分细则。"}]
    with open_zip(result_of(job)) as archive:
        assert not [n for n in archive.namelist() if n.startswith("第二党支部/")]
        assert (
            "- 第二党支部：第二党支部 2026 年度没有生效的积分细则。" in archive.read("文件清单.txt").decode()
        )


def test_nothing_to_export_fails_in_chinese(world, fake_parts):
    fake_parts.no_rules = {world.branch_a.pk}
    job = start(world.clerk_a, world.branch_a)

    assert run(job) == "failed"
    assert job.error == "“第一党支部”下没有可导出的支部。第一党支部：第一党支部 2026 年度没有生效的积分细则。"


def test_names_are_safe_and_unique_but_stay_chinese():
    assert parts.safe_name('第一/党支部:"测试"*?<>|') == "第一_党支部_测试"
    assert parts.safe_name(" ..CON.. ") == "_CON"
    assert parts.safe_name("...") == "_"
    taken: set[str] = set()
    assert [parts.unique_name("张伟", taken, ".pdf") for _ in range(3)] == [
        "张伟.pdf",
        "张伟（2）.pdf",
        "张伟（3）.pdf",
    ]


def test_two_members_with_one_name_get_two_files(world, fake_parts):
    make_member(branch=world.branch_a, real_name="张伟")
    job = start(world.clerk_a, world.branch_a)
    run(job)

    with open_zip(result_of(job)) as archive:
        names = [n for n in archive.namelist() if n.startswith("第一党支部/张伟")]
    assert sorted(names) == [
        "第一党支部/张伟_2026年度第3季度_党员季度积分明细登记表.pdf",
        "第一党支部/张伟_2026年度第3季度_党员季度积分明细登记表（2）.pdf",
    ]


# ---------------------------------------------------------------- progress


def test_progress_is_written_after_each_part(world, fake_parts):
    seen = []

    def look(number):
        job = ExportJob.objects.get()
        seen.append((number, job.status, job.parts_done, job.total_parts, job.percent, job.step))

    fake_parts.on_call = look
    run(start(world.clerk_a, world.branch_a))

    assert seen[0] == (
        1,
        Status.RUNNING,
        0,
        7,
        0,
        "正在生成（1/7）：第一党支部_2026年度第3季度_支部积分台账.pdf",
    )
    assert seen[3][:5] == (4, Status.RUNNING, 3, 7, 42)
    assert seen[-1][:5] == (7, Status.RUNNING, 6, 7, 85)


# ---------------------------------------------------------------- survives a crash


def test_a_killed_worker_leaves_the_job_running_and_nothing_to_download(world, fake_parts):
    fake_parts.crash_on = 4
    job = start(world.clerk_a, world.branch_a)

    with pytest.raises(WorkerKilled):
        services.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.parts_done, job.total_parts) == (Status.RUNNING, 3, 7)
    assert not result_of(job).exists()
    assert ExportJobPart.objects.filter(job=job).exclude(sha256="").count() == 3


def test_resume_after_a_crash_keeps_the_parts_made_and_completes_the_zip(world, fake_parts):
    fake_parts.crash_on = 4
    job = start(world.clerk_a, world.branch_a)
    with pytest.raises(WorkerKilled):
        services.export_job_run(job_id=job.pk)
    made_before = list(fake_parts.calls)

    assert run(job) == "done"  # the message delivered again after the worker restarts

    # Parts 1–3 were not made again; part 4, which crashed, and 5–7 were made once each.
    assert fake_parts.calls[:4] == made_before
    assert fake_parts.calls[4] == made_before[3]
    assert len(fake_parts.calls) == 4 + 4
    assert len(set(fake_parts.calls)) == 7
    assert (job.status, job.parts_done, job.attempts) == (Status.DONE, 7, 2)
    with open_zip(result_of(job)) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(BRANCH_A_FILES)
        for row in manifest_rows(archive):
            assert row["SHA-256"] == sha256(archive.read(row["文件"]))


def test_a_part_whose_file_changed_is_made_again(world, fake_parts):
    fake_parts.crash_on = 4
    job = start(world.clerk_a, world.branch_a)
    with pytest.raises(WorkerKilled):
        services.export_job_run(job_id=job.pk)
    second = ExportJobPart.objects.get(job=job, position=2)
    files.part_path(job.work_key, 2, ".xlsx").write_bytes(b"half a file")

    run(job)

    assert job.status == Status.DONE
    assert [c[0] for c in fake_parts.calls].count("branch_ledger_xlsx") == 2
    with open_zip(result_of(job)) as archive:
        assert sha256(archive.read(second.arcname)) == second.sha256  # made again: the same bytes


def test_the_zip_appears_only_when_complete(world, fake_parts):
    job = start(world.clerk_a, world.branch_a)
    target = files.result_path(job.work_key)
    fake_parts.on_call = lambda number: None if not target.exists() else pytest.fail("ZIP before the end")

    run(job)

    assert target.exists()
    assert not list(files.job_dir(job.work_key).glob("*.partial"))


def test_a_second_delivery_of_a_finished_job_does_nothing(world, fake_parts):
    job = start(world.clerk_a, world.branch_a)
    run(job)
    calls, sha = len(fake_parts.calls), job.result_sha256

    assert run(job) == "skipped"
    assert (len(fake_parts.calls), job.result_sha256, job.status) == (calls, sha, Status.DONE)


# ---------------------------------------------------------------- failures, said in Chinese


def test_a_part_that_refuses_fails_the_job_with_its_reason_and_restart_resumes(world, fake_parts):
    fake_parts.crash_on = 3
    fake_parts.crash = lambda: ValidationError("2026年度第3季度尚未审定，无法生成。")
    job = start(world.clerk_a, world.branch_a)

    assert run(job) == "failed"
    assert job.status == Status.FAILED and job.finished_at is not None
    assert job.error == (
        "生成“第一党支部/刘洋_2026年度第3季度_党员季度积分明细登记表.pdf”时出错：2026年度第3季度尚未审定，无法生成。"
    )
    assert not result_of(job).exists()

    job = services.export_job_restart(user=world.clerk_a, job=job)
    assert (job.status, job.error, job.attempts) == (Status.QUEUED, "", 0)
    assert run(job) == "done"
    assert len(fake_parts.calls) == 7 + 1  # the two made before the failure were kept


def test_an_unexpected_error_is_reported_without_internals(world, fake_parts):
    fake_parts.crash_on = 1
    fake_parts.crash = lambda: KeyError("secret internals")
    job = start(world.clerk_a, world.branch_a)

    assert run(job) == "failed"
    assert job.error == (
        "生成“第一党支部/第一党支部_2026年度第3季度_支部积分台账.pdf”时发生内部错误（KeyError），请联系系统管理员。"
    )


def test_a_part_function_not_provided_yet_is_named(world, fake_parts, monkeypatch):
    kind = parts.PART_KINDS["branch_ledger_xlsx"]
    monkeypatch.setitem(
        parts.PART_KINDS,
        "branch_ledger_xlsx",
        parts.PartKind(**{**kind.__dict__, "render": "reports.nope.xlsx"}),
    )
    job = start(world.clerk_a, world.branch_a)

    assert run(job) == "failed"
    assert job.error == (
        "“第一党支部/第一党支部_2026年度第3季度_支部积分台账.xlsx”所需的生成功能尚未提供"
        "（reports.nope.xlsx），请联系系统管理员。"
    )


def test_a_requester_who_lost_the_role_gets_nothing(world, fake_parts):
    job = start(world.clerk_a, world.branch_a)
    world.clerk_a.role_assignments.all().delete()
    from guardian.models import UserObjectPermission

    UserObjectPermission.objects.filter(user=world.clerk_a).delete()

    assert run(job) == "failed"
    assert job.error == "申请人已无权导出“第一党支部”的积分台账，任务已停止。"
    assert fake_parts.calls == []


# ---------------------------------------------------------------- cancel, take-over


def test_cancel_stops_the_run_after_the_current_part(world, fake_parts):
    job = start(world.clerk_a, world.branch_a)
    fake_parts.on_call = lambda n: n == 3 and services.export_job_cancel(user=world.clerk_a, job=job)

    assert run(job) == "superseded"
    assert (job.status, job.step) == (Status.CANCELLED, "已取消。")
    assert len(fake_parts.calls) == 3 and not result_of(job).exists()
    with pytest.raises(ValidationError) as error:
        services.export_job_cancel(user=world.clerk_a, job=job)
    assert error.value.messages == ["只有排队中或生成中的导出任务可以取消。"]


def test_a_run_taken_over_by_another_stops_writing(world, fake_parts):
    job = start(world.clerk_a, world.branch_a)

    def second_delivery(number):
        if number == 2:  # another worker claims the job (a duplicate message) and finishes it
            fake_parts.on_call = None
            assert services.export_job_run(job_id=job.pk) == "done"

    fake_parts.on_call = second_delivery
    assert run(job) == "superseded"
    assert job.status == Status.DONE
    with open_zip(result_of(job)) as archive:
        assert archive.testzip() is None and sorted(archive.namelist()) == sorted(BRANCH_A_FILES)


def test_planning_a_large_organization_keeps_the_heartbeat_going(world, fake_parts, monkeypatch):
    job = start(world.higher, world.committee)
    steps = []
    ledger = fake_parts.ledger

    def slow_ledger(subject, code):
        steps.append(ExportJob.objects.values_list("step", "heartbeat_at").get(pk=job.pk))
        return ledger(subject, code)

    for code, kind in list(parts.PART_KINDS.items()):
        monkeypatch.setitem(
            parts.PART_KINDS, code, parts.PartKind(**{**kind.__dict__, "ledger": slow_ledger})
        )

    run(job)

    assert [step for step, _ in steps[:2]] == [
        "正在整理要导出的支部和党员（1/2）：第一党支部",
        "正在整理要导出的支部和党员（2/2）：第二党支部",
    ]
    assert steps[1][1] > steps[0][1]


def test_cancelled_while_planning_stops_without_a_plan(world, fake_parts, monkeypatch):
    job = start(world.higher, world.committee)
    ledger = fake_parts.ledger

    def cancelling_ledger(subject, code):
        services.export_job_cancel(user=world.higher, job=job)
        return ledger(subject, code)

    for code, kind in list(parts.PART_KINDS.items()):
        monkeypatch.setitem(
            parts.PART_KINDS, code, parts.PartKind(**{**kind.__dict__, "ledger": cancelling_ledger})
        )

    assert run(job) == "superseded"
    assert job.status == Status.CANCELLED and job.error == ""
    assert not ExportJobPart.objects.filter(job=job).exists()


def test_restarting_a_failed_job_while_the_same_export_runs_opens_the_running_one(world, fake_parts):
    fake_parts.crash_on, fake_parts.crash = 1, lambda: RuntimeError("boom")
    failed = start(world.clerk_a, world.branch_a)
    run(failed)
    running, created = services.export_job_start(
        user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3"
    )
    assert created

    assert services.export_job_restart(user=world.clerk_a, job=failed) == running
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
