"""HTTP load on the REST API with concurrent clients (Locust), as the busiest people of a large branch work.

Started by ``benchmarks/suite.py`` against a gunicorn of its own; by hand:

    JIFEN_LOCUST_PEOPLE=benchmarks/out/<db>-locust-people.json \\
    .venv/bin/locust -f benchmarks/locustfile.py --headless -u 20 -r 5 -t 60s --host http://127.0.0.1:8000

The people file (written by the suite from the personas JSON and the database) names the large branch's
members (who claim), its clerk (登记) and committee member (审核), and two higher officers (who read).
Every client signs in for a token (``POST auth/token/``) and then:

- a member: reads 我的积分 and 我的申报, and files a claim (``POST claims/``, an item members claim
  themselves, with a small photo where the item asks for one);
- the clerk: reads the 待登记 queue and records the claims the members filed in this run (登记);
- the committee member: reads 待认领 and 待办 and approves the recorded ones (审核);
- the officers: read their queue and filings; a 党总支's officer its half-year ranking.

Only claims made by this run are recorded and approved: the generated data is read, never decided.
"""

from __future__ import annotations

import json
import os
import random
from collections import deque
from pathlib import Path

from locust import HttpUser, between, events, task

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PEOPLE: dict = {}
TO_RECORD: deque = deque()  # (claim id, member id, item code) filed here, waiting for 登记
TO_REVIEW: deque = deque()  # … recorded here, waiting for 审核


@events.init.add_listener
def load_people(environment, **kwargs) -> None:
    path = os.environ.get("JIFEN_LOCUST_PEOPLE")
    if not path:
        raise SystemExit("JIFEN_LOCUST_PEOPLE: the people file benchmarks/suite.py writes")
    PEOPLE.update(json.loads(Path(path).read_text()))


class Person(HttpUser):
    abstract = True
    wait_time = between(0.2, 1.0)
    username = ""

    def sign_in(self, username: str) -> None:
        response = self.client.post(
            "/api/v1/auth/token/",
            data={"username": username, "password": PEOPLE["password"]},
            name="POST auth/token/",
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Token {response.json()['token']}"

    def my_task(self, kind: str, claim_id: int, member_id: int, item: str) -> dict | None:
        """The open task of this run's claim, found in the queue by member and item."""
        with self.client.get(
            "/api/v1/tasks/queue/",
            params={"kind": kind, "member": member_id, "item": item, "page_size": 100},
            name=f"GET tasks/queue/?kind={kind}&member=",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return None
            found = [t for t in response.json()["results"] if (t.get("subject") or {}).get("id") == claim_id]
            return found[0] if found else None

    def act(self, found: dict, decision: str, name: str) -> bool:
        with self.client.post(
            f"/api/v1/tasks/{found['id']}/act/", json={"decision": decision}, name=name, catch_response=True
        ) as response:
            if response.status_code == 409:  # another client took it first: counted apart, not a failure
                response.success()
                return False
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return False
            return True


class Member(Person):
    weight = 6

    def on_start(self) -> None:
        self.member = random.choice(PEOPLE["members"])
        self.sign_in(self.member["username"])
        # what this member may claim on the day, as the 申报 form offers it
        response = self.client.get(
            "/api/v1/rulesets/claimable-items/",
            params={"date": PEOPLE["occurred_on"]},
            name="GET rulesets/claimable-items/",
        )
        items = response.json().get("items", []) if response.status_code == 200 else []
        self.items = [i for i in items if not i["veto"]]

    @task(3)
    def my_scores(self) -> None:
        self.client.get("/api/v1/scores/me/", name="GET scores/me/")

    @task(2)
    def my_claims(self) -> None:
        self.client.get("/api/v1/claims/", name="GET claims/")

    @task(2)
    def claim(self) -> None:
        if not self.items:
            return
        item = random.choice(self.items)
        data = {
            "item_code": item["code"],
            "occurred_on": PEOPLE["occurred_on"],
            "description": "压测申报",
            "cap_acknowledged": "true",
        }
        if item["is_range"]:
            data["points"] = item["points_min"]
        files = {"files": ("proof.png", PNG, "image/png")} if item["evidence"] != "none" else None
        with self.client.post(
            "/api/v1/claims/", data=data, files=files, name="POST claims/", catch_response=True
        ) as response:
            if response.status_code == 201:
                TO_RECORD.append((response.json()["id"], self.member["member_id"], item["code"]))
            elif response.status_code == 400:
                # a frequency limit or cap of the rules refused it: the rules at work, not a fault
                response.success()
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")


class Clerk(Person):
    weight = 1

    def on_start(self) -> None:
        self.sign_in(PEOPLE["clerk"])

    @task(1)
    def queue(self) -> None:
        self.client.get(
            "/api/v1/tasks/queue/", params={"kind": "claim.record"}, name="GET tasks/queue/ (登记)"
        )

    @task(4)
    def record(self) -> None:
        if not TO_RECORD:
            return
        claim_id, member_id, item = TO_RECORD.popleft()
        found = self.my_task("claim.record", claim_id, member_id, item)
        if found and self.act(found, "record", "POST tasks/{id}/act/ 登记"):
            TO_REVIEW.append((claim_id, member_id, item))


class Committee(Person):
    weight = 1

    def on_start(self) -> None:
        self.sign_in(PEOPLE["committee"])

    @task(1)
    def queue(self) -> None:
        self.client.get("/api/v1/tasks/queue/", name="GET tasks/queue/")

    @task(1)
    def inbox(self) -> None:
        self.client.get("/api/v1/tasks/", name="GET tasks/")

    @task(4)
    def review(self) -> None:
        if not TO_REVIEW:
            return
        claim_id, member_id, item = TO_REVIEW.popleft()
        found = self.my_task("claim.review", claim_id, member_id, item)
        if found:
            self.act(found, "approve", "POST tasks/{id}/act/ 审核")


class Officer(Person):
    weight = 1

    def on_start(self) -> None:
        self.officer = random.choice(PEOPLE["officers"])
        self.sign_in(self.officer["username"])

    @task(2)
    def queue(self) -> None:
        self.client.get("/api/v1/tasks/queue/", name="GET tasks/queue/ (上级)")

    @task(1)
    def filings(self) -> None:
        self.client.get("/api/v1/filings/", name="GET filings/")

    @task(1)
    def ranking(self) -> None:
        if not self.officer.get("rank"):  # a whole committee's ranking is timed apart (suite: rankings)
            return
        self.client.get(
            f"/api/v1/scores/organizations/{self.officer['organization_id']}/ranking/",
            params={"period": PEOPLE["ranking_period"]},
            name="GET scores/organizations/{id}/ranking/",
        )
