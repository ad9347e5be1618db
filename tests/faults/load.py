"""The load: members submitting claims and the branch's officers doing their tasks, over HTTP with
tokens, as phones do. A request that fails — connection refused or reset, a 5xx, a timeout — is sent
again, as a person resubmits; the service's own refusals then say whether the first attempt landed
(a claim already filed is refused as a duplicate, a task already done is a 409).

Every attempt is counted under the fault under way when it was sent.
"""

from __future__ import annotations

import datetime
import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests

CLAIMABLE = ("innovative-activity", "community-service", "adopted-proposal")  # 二七区: members claim these
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
RETRY_FOR = 90.0  # seconds a client keeps resubmitting one operation before it gives up (lost)
TIMEOUT = (3, 30)  # connect, read
DUPLICATE = "请勿重复申报"  # workflows.messages.DUPLICATE_CLAIM
# workflows.messages.TASK_TAKEN: a resubmission racing the first attempt, still running, at the constraint
RACED = "正在处理"
ALREADY_DONE = 409


def _filed_already(response: requests.Response) -> bool:
    """The claim an earlier attempt sent is there: refused as a duplicate, or lost the race to it."""
    return DUPLICATE in response.text or RACED in response.text


class Refused(Exception):
    """The service answered a request the load did not expect it to refuse: the load is wrong."""


@dataclass
class Figures:
    """Counts per phase (the fault under way): requests sent, failed; operations recovered and lost."""

    phase: str = "steady"
    sent: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    recovered: Counter = field(default_factory=Counter)
    lost: Counter = field(default_factory=Counter)
    why: Counter = field(default_factory=Counter)  # (phase, "503" or the exception's name)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, counter: Counter, phase: str) -> None:
        with self.lock:
            counter[phase] += 1


@dataclass
class Ledger:
    """What the clients believe: the claims filed (marker → claim id, when the answer said it) and the
    tasks done."""

    submitted: dict[str, int | None] = field(default_factory=dict)
    recorded: set[int] = field(default_factory=set)
    approved: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """One person's phone: a token, and every operation retried until it lands or RETRY_FOR runs out."""

    def __init__(self, base_url: str, username: str, password: str, figures: Figures) -> None:
        self.base_url = base_url
        self.figures = figures
        self.session = requests.Session()
        body = self._send("post", "/api/v1/auth/token/", json={"username": username, "password": password})
        self.session.headers["Authorization"] = f"Token {body.json()['token']}"

    def _send(self, method: str, path: str, *, accept=(200, 201), settle=None, **kw) -> requests.Response:
        """Send until an answer in ``accept`` (or one ``settle`` says means "done already")."""
        give_up = time.monotonic() + RETRY_FOR
        failed_in = None
        while True:
            self.figures.count(self.figures.sent, self.figures.phase)
            try:
                response = self.session.request(method, self.base_url + path, timeout=TIMEOUT, **kw)
                why = str(response.status_code)
            except requests.RequestException as error:
                response, why = None, type(error).__name__
            phase = self.figures.phase  # a failure counts under the fault that caused it
            if response is not None and response.status_code < 500:
                if failed_in is not None:
                    self.figures.count(self.figures.recovered, failed_in)
                if response.status_code in accept or (settle and settle(response)):
                    return response
                raise Refused(f"{method.upper()} {path} → {response.status_code}: {response.text[:300]}")
            self.figures.count(self.figures.failed, phase)
            self.figures.count(self.figures.why, (phase, why))
            failed_in = failed_in or phase
            if time.monotonic() > give_up:
                self.figures.count(self.figures.lost, failed_in)
                raise TimeoutError(f"{method.upper()} {path} did not land within {RETRY_FOR:.0f} s")
            time.sleep(0.5)

    def get(self, path: str, **params) -> dict:
        return self._send("get", path, params=params).json()

    def submit_claim(self, item_code: str, occurred_on: datetime.date, marker: str) -> int | None:
        """申报 with a photo; a resubmission after a lost answer is refused as a duplicate (already filed)."""
        files = {"files": ("photo.png", PNG + marker.encode(), "image/png")}
        data = {
            "item_code": item_code,
            "occurred_on": occurred_on.isoformat(),
            "description": f"故障演练 {marker}",
            "cap_acknowledged": "true",
        }
        response = self._send("post", "/api/v1/claims/", data=data, files=files, settle=_filed_already)
        return response.json().get("id") if response.status_code == 201 else None

    def act(self, task_id: int, decision: str) -> None:
        """Do a task; a 409 after a lost answer means the first attempt did it."""
        self._send(
            "post",
            f"/api/v1/tasks/{task_id}/act/",
            json={"decision": decision},
            settle=lambda r: r.status_code == ALREADY_DONE,
        )

    def open_tasks(self, kind: str) -> list[int]:
        """The tasks of ``kind`` in my inbox (taken by an attempt whose answer was lost?) and my queue."""
        ids = []
        for listing in ("/api/v1/tasks/", "/api/v1/tasks/queue/"):
            ids += [task["id"] for task in self.get(listing, kind=kind, page_size=100)["results"]]
        return sorted(set(ids))


def claim_days(today: datetime.date) -> list[datetime.date]:
    """Past days of this year, newest first: each member files an item once a day (同一事项不得重复申报)."""
    first = datetime.date(today.year, 1, 1)
    return [today - datetime.timedelta(days=n) for n in range((today - first).days + 1)]


def member_loop(
    client: Client, ledger: Ledger, stop: threading.Event, run: str, today: datetime.date, pause: float
) -> None:
    for occurred_on, item_code in itertools.product(claim_days(today), CLAIMABLE):
        if stop.is_set():
            return
        marker = f"{run}-{uuid.uuid4().hex[:12]}"
        with ledger.lock:
            ledger.submitted[marker] = None  # sent: it must exist at most once whatever the answer
        claim_id = client.submit_claim(item_code, occurred_on, marker)
        with ledger.lock:
            ledger.submitted[marker] = claim_id or -1  # -1: filed, its answer lost (refused as duplicate)
        time.sleep(pause)


@dataclass
class Desk:
    """Officers of one role sharing a queue: each takes the tasks whose id falls to them (``share``
    of ``of``), so they do not race for the same task — their tasks are taken back after a failure."""

    kind: str
    decision: str
    share: int
    of: int


def officer_loop(
    client: Client, desk: Desk, done: set[int], lock: threading.Lock, until: threading.Event
) -> None:
    """Work the queue until ``until`` is set and nothing is left."""
    while True:
        finishing = until.is_set()
        tasks = [t for t in client.open_tasks(desk.kind) if t % desk.of == desk.share]
        for task_id in tasks:
            client.act(task_id, desk.decision)
            with lock:
                done.add(task_id)
        if finishing and not tasks:
            return
        if not tasks:
            time.sleep(0.3)
