"""The fault suite: while members file claims and officers do their tasks over HTTP, one busy gunicorn
worker is killed -9, PostgreSQL restarted, the Celery worker killed -9, Redis stopped and started while
the worker is still down (losing the e-mails queued meanwhile: no persistence), the worker restarted.
Clients resubmit what failed, as people do. Afterwards: every claim a client believes filed exists
exactly once, approved, its process ended with every task done; one ledger entry per approved claim and
no other; one e-mail per approval notification; ``verify_ledger`` passes. The figures are printed
(``-s``) for the README.

It runs on a private stack (``tests/faults/stack.py``): the machine's own PostgreSQL and Redis, which the
main test run uses, are never touched. Opt in with ``JIFEN_FAULTS=1`` (``scripts/test`` does in CI).
"""

from __future__ import annotations

import datetime
import email
import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.faults.load import Client, Desk, Figures, Ledger, member_loop, officer_loop
from tests.faults.stack import ROOT, Stack, private_stack, wait_for

pytestmark = pytest.mark.faults

STEADY = 4.0  # seconds of load before the first fault and between faults
OUTAGE = 4.0  # seconds Redis and the Celery worker stay down
CLAIM_PAUSE = 0.5  # a member's pause between two claims


def _kill_a_web_worker(stack: Stack) -> None:
    before = stack.web_workers()
    victim = stack.busy_web_worker()
    os.kill(victim, signal.SIGKILL)
    # gunicorn's master forks a replacement
    wait_for("a new gunicorn worker", lambda: len(set(stack.web_workers()) - {victim}) == len(before))


def _kill_the_worker(stack: Stack) -> None:
    """The worker dies; approvals go on, their e-mails wait in Redis."""
    stack.kill_worker()
    time.sleep(OUTAGE)


def _restart_redis_then_the_worker(stack: Stack) -> None:
    """Redis restarts without persistence while the worker is still down: the e-mails queued meanwhile
    are gone, and only the outbox (``Notification.emailed_at`` still empty) remembers them."""
    stack.redis.stop()
    time.sleep(OUTAGE)
    stack.redis.start()
    stack.start_worker()


def _queue_empty(stack: Stack) -> bool:
    """Celery's queue in Redis holds no message (``LLEN celery`` is 0)."""
    with socket.create_connection(("127.0.0.1", stack.redis.port), timeout=2) as sock:
        sock.sendall(b"LLEN celery\r\n")
        return sock.recv(32).strip() == b":0"


def _emails_per_claim(mail_dir: Path) -> Counter:
    """How many e-mails name each claim (their link is /me/claims/<pk>/): filebased backend files."""
    sent: Counter = Counter()
    for path in mail_dir.iterdir():
        for raw in path.read_text().split("-" * 79):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.strip())
            body = message.get_payload(decode=True).decode()
            sent.update(int(pk) for pk in re.findall(r"/me/claims/(\d+)/", body))
    return sent


def _print_figures(figures: Figures, phases: list[str], ledger: Ledger, report: dict, emails: int) -> None:
    print("\n故障演练 fault suite — figures")
    print(f"{'phase':<28}{'sent':>8}{'failed':>8}{'recovered':>11}{'lost':>6}")
    for phase in phases:
        row = (figures.sent[phase], figures.failed[phase], figures.recovered[phase], figures.lost[phase])
        print(f"{phase:<28}{row[0]:>8}{row[1]:>8}{row[2]:>11}{row[3]:>6}")
    total = (sum(figures.sent.values()), sum(figures.failed.values()), sum(figures.recovered.values()))
    print(f"{'total':<28}{total[0]:>8}{total[1]:>8}{total[2]:>11}{sum(figures.lost.values()):>6}")
    print(
        f"claims filed {len(ledger.submitted)}, in the database {report['claims']} (doubled "
        f"{len(report['doubled'])}, missing {len(report['missing'])}); recorded {len(ledger.recorded)}, "
        f"approved {len(ledger.approved)}; notifications {report['notifications']}, e-mails {emails} "
        f"({report['flushed']} sent by the outbox flush)"
    )
    print("failures: " + ", ".join(f"{phase} {why} ×{n}" for (phase, why), n in sorted(figures.why.items())))


def _printed_json(output: str) -> dict:
    """The JSON line a stack process printed last (Django may print notices before it)."""
    return json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("{")))


def _verify_ledger(stack: Stack) -> tuple[int, str]:
    """``manage.py verify_ledger``: the ledger's and the audit trail's hash chains, recomputed."""
    if not list(ROOT.glob("*/management/commands/verify_ledger.py")):
        return 0, "verify_ledger: not in this tree"
    done = stack.manage("verify_ledger", check=False)
    return done.returncode, f"verify_ledger: exit {done.returncode}\n{done.stdout.strip()}"


class Load:
    """Members filing claims until told to stop; clerks recording and committee members approving until
    nothing is left after those before them have stopped."""

    def __init__(self, stack: Stack, people: dict, figures: Figures, ledger: Ledger) -> None:
        self.base, self.password, self.figures, self.ledger = (
            stack.base_url,
            people["password"],
            figures,
            ledger,
        )
        self.stop, self.filed, self.recorded = threading.Event(), threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        run = time.strftime("%H%M%S")
        today = datetime.date.fromisoformat(people["today"])  # the service's (Asia/Shanghai), not ours
        self.members = [
            self._thread(member_loop, self._client(name), ledger, self.stop, run, today, CLAIM_PAUSE)
            for name in people["members"]
        ]
        self.recording = self._desks(people["clerks"], "claim.record", "record", ledger.recorded, self.filed)
        self.reviewing = self._desks(
            people["committee"], "claim.review", "approve", ledger.approved, self.recorded
        )

    def _client(self, username: str) -> Client:
        return Client(self.base, username, self.password, self.figures)

    def _thread(self, target, *args) -> threading.Thread:
        def run():
            try:
                target(*args)
            except BaseException as error:  # reported by the test, not lost in a thread
                self.errors.append(error)
                self.stop.set()

        return threading.Thread(target=run, daemon=True)

    def _desks(self, names, kind, decision, done, until) -> list[threading.Thread]:
        """Officers of one role, each with their share of the queue."""
        return [
            self._thread(officer_loop, self._client(name), Desk(kind, decision, i, len(names)), done,
                         self.ledger.lock, until)
            for i, name in enumerate(names)
        ]  # fmt: skip

    def start(self) -> None:
        for thread in self.members + self.recording + self.reviewing:
            thread.start()

    def finish(self) -> None:
        """Members stop filing; the officers then work their queues empty, clerks first."""
        self.stop.set()
        for threads, done in (
            (self.members, self.filed),
            (self.recording, self.recorded),
            (self.reviewing, None),
        ):
            for thread in threads:
                thread.join(timeout=180)
            if done is not None:
                done.set()
        assert not self.errors, self.errors


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_no_claim_entry_or_email_is_lost_or_doubled_when_processes_and_servers_die_under_load(tmp_path):
    figures, ledger, took = Figures(), Ledger(), {}
    started = time.monotonic()
    with private_stack() as stack:
        people = _printed_json(stack.python("from tests.faults.fixture import seed; seed()"))
        took["stack up, migrated, seeded"] = time.monotonic() - started
        load = Load(stack, people, figures, ledger)
        load.start()
        time.sleep(STEADY)
        faults = [
            ("gunicorn worker kill -9", lambda: _kill_a_web_worker(stack)),
            ("postgresql restart", stack.postgres.restart),
            # last, when approvals (and their e-mails) flow steadily
            ("celery worker kill -9", lambda: _kill_the_worker(stack)),
            ("redis stop/start", lambda: _restart_redis_then_the_worker(stack)),
        ]
        for name, inject in faults:
            figures.phase = name
            print(f"{time.strftime('%H:%M:%S')} {name}")
            inject()
            time.sleep(STEADY)
        figures.phase = "after"
        time.sleep(STEADY)
        took["load with faults"] = time.monotonic() - started - sum(took.values())
        load.finish()
        wait_for("the Celery queue to drain", lambda: _queue_empty(stack), timeout=60)
        took["queues worked empty"] = time.monotonic() - started - sum(took.values())

        time.sleep(2)  # the worker's last e-mail committed
        believed = sorted(m for m, claim_id in ledger.submitted.items() if claim_id is not None)
        markers = tmp_path / "markers.json"
        markers.write_text(json.dumps(believed))
        check = f"from tests.faults.consistency import report; report({str(markers)!r})"
        report = _printed_json(stack.python(check))
        emails = _emails_per_claim(stack.mail_dir)
        verified, verify_output = _verify_ledger(stack)
        took["checks"] = time.monotonic() - started - sum(took.values())
        phases = ["steady", *(name for name, _ in faults), "after"]
        _print_figures(figures, phases, ledger, report, sum(emails.values()))
        print(verify_output)
        print("took: " + ", ".join(f"{what} {seconds:.0f} s" for what, seconds in took.items()))

    assert sum(figures.lost.values()) == 0
    assert not report["missing"] and not report["doubled"] and not report["unknown"]
    assert report["claims"] == len(ledger.submitted) > 0
    assert not report["process_faults"], report["process_faults"][:20]
    assert not report["ledger_faults"], report["ledger_faults"][:20]
    assert len(report["approved_claims"]) == report["claims"] == report["notifications"]
    assert report["notifications_unsent"] == 0 and report["notifications_doubled"] == 0
    assert set(emails) == set(report["approved_claims"]) and set(emails.values()) == {1}, emails
    assert verified == 0, verify_output
    assert sum(figures.failed.values()) > 0, "no request failed: the faults did not bite"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-s", "-p", "no:cacheprovider"]))
