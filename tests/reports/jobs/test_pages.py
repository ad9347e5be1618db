"""The batch export pages: who gets in, starting a job, the progress JSON, the download, restart and cancel.

Every page has its three cases (anonymous → login, wrong scope → 403/404, right scope → 200), and the
download is offered for nothing but a done job whose file is whole."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.models import Organization, RoleAssignment
from reports.jobs import files, services
from reports.models import ExportJob
from tests.factories import make_role
from tests.reports.jobs.fakes import WorkerKilled
from tests.reports.jobs.helpers import open_zip, result_of, sha256

pytestmark = pytest.mark.django_db

Status = ExportJob.Status
INDEX = reverse("reports:jobs:index")


def url(name: str, job: ExportJob) -> str:
    return reverse(f"reports:jobs:{name}", args=[job.pk])


def login(client, user):
    client.force_login(user)
    return client


def done_job(user, organization: Organization, code: str = "2026-Q3") -> ExportJob:
    job, _ = services.export_job_start(user=user, organization=organization, period_code=code)
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE
    return job


def crashed_job(user, organization: Organization, fake_parts, on: int = 3) -> ExportJob:
    fake_parts.crash_on = len(fake_parts.calls) + on
    job, _ = services.export_job_start(user=user, organization=organization, period_code="2026-Q3")
    with pytest.raises(WorkerKilled):
        services.export_job_run(job_id=job.pk)
    fake_parts.crash_on = None
    job.refresh_from_db()
    return job


# ---------------------------------------------------------------- the index page


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_member_without_a_role_may_not_export(client, world):
    assert login(client, world.member_a.user).get(INDEX).status_code == 403


def test_a_clerk_chooses_among_their_own_branch_only(client, world):
    response = login(client, world.clerk_a).get(INDEX)

    assert response.status_code == 200
    choices = list(response.context["form"].fields["organization"].queryset)
    assert choices == [world.branch_a]
    assert "开始导出" in response.content.decode()


def test_a_higher_committee_chooses_among_everything_below_it(client, world):
    response = login(client, world.higher).get(INDEX)

    names = [o.name for o in response.context["form"].fields["organization"].queryset]
    assert names == ["某区机关党委", "第一党总支", "第一党支部", "第二党支部"]


def test_starting_an_export_runs_it_and_opens_its_page(
    client, world, fake_parts, django_capture_on_commit_callbacks
):
    login(client, world.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INDEX, {"organization": world.branch_a.pk, "period_code": "2026-Q3"})

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", job)
    assert (job.user, job.organization, job.period_code, job.status) == (
        world.clerk_a,
        world.branch_a,
        "2026-Q3",
        Status.DONE,
    )
    page = client.get(url("detail", job)).content.decode()
    assert 'aria-valuenow="100"' in page and "width: 100%" in page
    assert url("download", job) in page and "下载 ZIP" in page
    assert "setInterval" not in page  # already done: nothing to poll


def test_another_branch_cannot_be_chosen(client, world, fake_parts):
    response = login(client, world.clerk_a).post(
        INDEX, {"organization": world.branch_b.pk, "period_code": "2026-Q3"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["organization"] == [
        "选择一个有效的选项： 该选择不在可用的选项中。"
    ]
    assert not ExportJob.objects.exists()


def test_starting_the_same_export_while_it_runs_opens_the_running_one(client, world, fake_parts):
    running = crashed_job(world.clerk_a, world.branch_a, fake_parts)

    response = login(client, world.clerk_a).post(
        INDEX, {"organization": world.branch_a.pk, "period_code": "2026-Q3"}, follow=True
    )

    assert response.redirect_chain == [(url("detail", running), 302)]
    assert ExportJob.objects.count() == 1
    assert "同一组织、同一周期的导出正在进行，已为您打开它。" in [
        str(m) for m in response.context["messages"]
    ]


def test_starting_again_after_it_is_done_makes_a_new_export(world, fake_parts):
    first = done_job(world.clerk_a, world.branch_a)

    second, created = services.export_job_start(
        user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3"
    )

    assert created and second.pk != first.pk


def test_my_exports_lists_mine_only(client, world, fake_parts):
    mine = done_job(world.clerk_a, world.branch_a)
    done_job(world.higher, world.committee)

    response = login(client, world.clerk_a).get(INDEX)

    assert list(response.context["jobs"]) == [mine]
    page = response.content.decode()
    assert f'data-job="{mine.pk}" data-status="done"' in page and "第一党支部 · 2026年度第3季度" in page
    assert "某区机关党委" not in page


# ---------------------------------------------------------------- service refusals, in Chinese


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "2026-Q5",
            "周期代码“2026-Q5”无效，应为 2026（年度）、2026-H1（半年）、2026-Q3（季度）或 2026-M07（月）",
        ),
        (
            "2026Q3",
            "周期代码“2026Q3”无效，应为 2026（年度）、2026-H1（半年）、2026-Q3（季度）或 2026-M07（月）",
        ),
        ("2026-M07", "批量导出按季度、半年或年度进行，不支持按月（2026-M07）。"),
    ],
)
def test_a_bad_period_is_refused_in_chinese(world, code, message):
    with pytest.raises(Exception) as error:
        services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code=code)
    assert error.value.messages == [message]
    assert not ExportJob.objects.exists()


def test_an_organization_out_of_scope_is_refused_in_chinese(world):
    with pytest.raises(Exception) as error:
        services.export_job_start(user=world.clerk_a, organization=world.branch_b, period_code="2026-Q3")
    assert error.value.messages == ["您无权导出“第二党支部”的积分台账。"]
    assert not ExportJob.objects.exists()


# ---------------------------------------------------------------- job page, progress, download


@pytest.mark.parametrize("name", ["detail", "progress", "download"])
def test_job_pages_send_anonymous_visitors_to_log_in(client, world, fake_parts, name):
    job = done_job(world.clerk_a, world.branch_a)
    response = client.get(url(name, job))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["detail", "progress", "download"])
@pytest.mark.parametrize("other", ["clerk_b", "higher", "secretary_a"])
def test_another_users_job_is_not_found(client, world, fake_parts, name, other):
    job = done_job(world.clerk_a, world.branch_a)
    assert login(client, getattr(world, other)).get(url(name, job)).status_code == 404


@pytest.mark.parametrize("name", ["restart", "cancel"])
def test_another_user_cannot_restart_or_cancel_a_job(client, world, fake_parts, name):
    job = crashed_job(world.clerk_a, world.branch_a, fake_parts)
    assert login(client, world.clerk_b).post(url(name, job)).status_code == 404
    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_the_download_is_the_zip_under_its_chinese_name(client, world, fake_parts):
    job = done_job(world.clerk_a, world.branch_a)

    response = login(client, world.clerk_a).get(url("download", job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    name = "第一党支部_2026年度第3季度_积分台账.zip"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    body = b"".join(response.streaming_content)
    assert sha256(body) == job.result_sha256
    with open_zip(body) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 2 + 7


def test_progress_json_of_a_done_job(client, world, fake_parts):
    job = done_job(world.clerk_a, world.branch_a)

    response = login(client, world.clerk_a).get(url("progress", job))

    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "id": job.pk,
        "status": "done",
        "status_label": "已完成",
        "total": 7,
        "done": 7,
        "percent": 100,
        "step": "已完成，共 7 个文件。",
        "error": "",
        "finished": True,
        "download_url": url("download", job),
    }


def test_progress_json_while_running_moves_part_by_part(client, world, fake_parts):
    """Celery is eager in tests: the endpoint is asked from inside the run, after each part."""
    login(client, world.clerk_a)
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3")
    seen = []
    fake_parts.on_call = lambda number: seen.append(client.get(url("progress", job)).json())

    services.export_job_run(job_id=job.pk)

    assert [(p["status"], p["done"], p["total"], p["percent"]) for p in seen] == [
        ("running", 0, 7, 0),
        ("running", 1, 7, 14),
        ("running", 2, 7, 28),
        ("running", 3, 7, 42),
        ("running", 4, 7, 57),
        ("running", 5, 7, 71),
        ("running", 6, 7, 85),
    ]
    assert seen[2]["step"] == "正在生成（3/7）：刘洋_2026年度第3季度_党员季度积分明细登记表.pdf"
    assert {p["download_url"] for p in seen} == {None}
    assert {p["finished"] for p in seen} == {False}


def test_no_download_while_running(client, world, fake_parts):
    job = crashed_job(world.clerk_a, world.branch_a, fake_parts)
    login(client, world.clerk_a)

    assert client.get(url("download", job)).status_code == 404
    assert client.get(url("progress", job)).json()["download_url"] is None
    page = client.get(url("detail", job)).content.decode()
    assert url("download", job) not in page
    assert "setInterval" in page and url("progress", job) in page  # the bar polls
    assert 'aria-valuenow="28"' in page


def test_no_download_when_failed_and_the_reason_is_shown(client, world, fake_parts):
    fake_parts.crash_on, fake_parts.crash = 2, lambda: RuntimeError("boom")
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3")
    services.export_job_run(job_id=job.pk)
    login(client, world.clerk_a)

    assert client.get(url("download", job)).status_code == 404
    page = client.get(url("detail", job)).content.decode()
    assert (
        "生成“第一党支部/第一党支部_2026年度第3季度_支部积分台账.xlsx”时发生内部错误（RuntimeError）" in page
    )
    assert url("restart", job) in page and url("download", job) not in page


def test_a_changed_zip_is_not_offered(client, world, fake_parts):
    job = done_job(world.clerk_a, world.branch_a)
    with result_of(job).open("r+b") as handle:
        handle.seek(100)
        handle.write(b"tampered")

    assert login(client, world.clerk_a).get(url("download", job)).status_code == 404


def test_a_removed_zip_is_not_offered(client, world, fake_parts):
    job = done_job(world.clerk_a, world.branch_a)
    files.remove_job_files(job.work_key)

    assert login(client, world.clerk_a).get(url("download", job)).status_code == 404


def test_no_download_after_the_requester_lost_the_role(client, world, fake_parts):
    from guardian.models import UserObjectPermission

    job = done_job(world.clerk_a, world.branch_a)
    make_role(world.clerk_a, world.branch_b, RoleAssignment.Role.CLERK)  # still exports elsewhere
    UserObjectPermission.objects.filter(user=world.clerk_a, object_pk=str(world.branch_a.pk)).delete()
    login(client, world.clerk_a)

    assert client.get(url("download", job)).status_code == 404
    assert client.get(url("detail", job)).status_code == 200  # the record of it stays

    UserObjectPermission.objects.filter(user=world.clerk_a).delete()  # exports nothing anywhere now
    assert client.get(url("download", job)).status_code in (403, 404)  # 403: the whole 报表 menu is closed
    assert client.get(INDEX).status_code == 403


# ---------------------------------------------------------------- restart and cancel


def test_restart_resumes_a_failed_export(client, world, fake_parts, django_capture_on_commit_callbacks):
    fake_parts.crash_on, fake_parts.crash = 4, lambda: RuntimeError("boom")
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3")
    services.export_job_run(job_id=job.pk)
    fake_parts.crash_on = None

    login(client, world.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("restart", job), follow=True)

    job.refresh_from_db()
    assert response.redirect_chain == [(url("detail", job), 302)]
    assert job.status == Status.DONE and len(fake_parts.calls) == 4 + 4
    assert "已重新开始，已生成的文件不会重复生成。" in [str(m) for m in response.context["messages"]]


def test_a_done_export_cannot_be_restarted(client, world, fake_parts):
    job = done_job(world.clerk_a, world.branch_a)

    response = login(client, world.clerk_a).post(url("restart", job), follow=True)

    assert "只有失败或已取消的导出任务可以重新开始。" in [str(m) for m in response.context["messages"]]
    job.refresh_from_db()
    assert job.status == Status.DONE


def test_cancel_from_the_page(client, world, fake_parts):
    job = crashed_job(world.clerk_a, world.branch_a, fake_parts)

    response = login(client, world.clerk_a).post(url("cancel", job), follow=True)

    job.refresh_from_db()
    assert job.status == Status.CANCELLED and job.run_token is None
    assert "已取消导出。" in [str(m) for m in response.context["messages"]]
    assert url("restart", job) in response.content.decode()


def test_restart_and_cancel_answer_post_only(client, world, fake_parts):
    job = crashed_job(world.clerk_a, world.branch_a, fake_parts)
    login(client, world.clerk_a)
    assert client.get(url("cancel", job)).status_code == 405
    assert client.get(url("restart", job)).status_code == 405


def test_the_admin_shows_exports_to_system_administrators_only(client, world, fake_parts, admin_user):
    job = done_job(world.clerk_a, world.branch_a)
    world.clerk_a.is_staff = True  # clerks work in the admin (roster); not on others' exports
    world.clerk_a.save()
    change = reverse("admin:reports_exportjob_change", args=[job.pk])

    assert login(client, world.clerk_a).get(change).status_code == 403
    response = login(client, admin_user).get(change)
    assert response.status_code == 200
    assert "第一党支部/张伟_2026年度第3季度_党员季度积分明细登记表.pdf" in response.content.decode()
