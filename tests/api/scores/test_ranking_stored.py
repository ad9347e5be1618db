"""scores/organizations/{id}/ranking/ pages over the stored 全委排名 (reports.rankings): never ranked on the
request; 202 with Retry-After while a ranking that may be complete is still being computed by the worker
(Celery is eager in the tests: ``not_stored_yet`` stands for a worker that has not finished)."""

from __future__ import annotations

from reports import rankings, tasks
from reports.models import StoredRanking
from tests.api.scores.test_schema_conformity import conforms, schema  # noqa: F401 (a fixture)


def url(organization, query: str = "period=2026-Q1") -> str:
    return f"/api/v1/scores/organizations/{organization.pk}/ranking/?{query}"


def test_the_ranking_is_read_from_the_stored_rows_not_ranked_on_the_request(
    as_user, world, quarter, monkeypatch
):
    client = as_user(world.higher)
    first = client.get(url(world.branch_a)).json()  # eager Celery: stored by this request
    assert StoredRanking.objects.get(organization=world.branch_a).member_count == first["count"] == 5

    def ranks_everyone(*args, **kwargs):
        raise AssertionError("ranked on the request")

    monkeypatch.setattr(rankings, "organization_ranking_status", ranks_everyone)
    again = client.get(url(world.branch_a, "period=2026-Q1&page_size=2&page=3")).json()
    assert again["count"] == 5 and again["next"] is None
    assert [(r["rank"]["value"], r["total"]) for r in again["results"]] == [(3, "0.00")]


def test_while_it_is_computed_the_answer_is_202_with_retry_after(
    as_user,
    world,
    quarter,
    not_stored_yet,
    schema,  # noqa: F811
):
    response = as_user(world.higher).get(url(world.branch_a))
    assert response.status_code == 202 and response["Retry-After"] == "10"
    assert response.json() == {"status": "computing", "detail": "全委排名正在生成，请稍后再试"}
    conforms(schema, "GET", "/api/v1/scores/organizations/{id}/ranking/", response)
    assert not_stored_yet == [(world.branch_a.pk, "2026-Q1")]
    tasks.ranking_store_for(world.branch_a.pk, "2026-Q1")  # the worker
    assert as_user(world.higher).get(url(world.branch_a)).json()["count"] == 5


def test_a_ranking_proved_incomplete_is_an_empty_list_at_once(as_user, world, quarter, not_stored_yet):
    body = as_user(world.higher).get(url(world.committee)).json()
    assert body["count"] == 0 and body["results"] == []
    assert not_stored_yet == [], "branch B has not approved: nothing to compute"
