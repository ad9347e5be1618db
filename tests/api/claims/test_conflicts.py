"""Two phones of one member revising the same returned claim at the same moment: one revision goes
through, the other is a 409 with a Chinese reason and stores nothing. True concurrency needs PostgreSQL's
row locks (SQLite ignores ``select_for_update``), so this runs there only."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from api.services import token_issue
from tests.api.claims.conftest import png, returned, submitted
from tests.workflows.helpers import freeze
from workflows import messages
from workflows.models import Claim, Evidence

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def in_threads(*jobs):
    """Each ``job(ready)`` in its own thread and connection, released at the same moment as the others."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            results[index] = job(lambda: barrier.wait(timeout=10))
        except Exception as error:  # the test inspects what each side got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def revising(key: str, url: str, name: str):
    def job(ready):
        phone = APIClient()
        phone.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        ready()
        return phone.post(url, {"description": name, "files": [png(f"{name}.png")]}, format="multipart")

    return job


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_claim_revised_from_two_phones_at_once_is_revised_once(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    claim = returned(submitted(world.member_a), world.clerk_a)
    keys = [token_issue(user=world.member_a.user)[1] for _ in range(2)]
    url = f"/api/v1/claims/{claim.pk}/revise/"
    results = in_threads(revising(keys[0], url, "手机一"), revising(keys[1], url, "手机二"))
    assert sorted(getattr(r, "status_code", r) for r in results) == [200, 409], results
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] == "conflict"
    assert loser["message"] in {
        str(messages.TASK_LOCKED),
        str(messages.TASK_ALREADY_DONE),
        messages.CLAIM_NOT_OPEN % {"status": "待登记"},
    }
    winner = next(r for r in results if r.status_code == 200).json()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED and claim.description == winner["description"]
    assert Evidence.objects.filter(claim=claim).count() == 2  # the first photo and the winner's
