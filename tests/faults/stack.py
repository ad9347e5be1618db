"""A private production-like stack for the fault suite: its own PostgreSQL cluster and Redis server on
free ports, gunicorn and a Celery worker against them — nothing the rest of the machine uses (the main
test run's PostgreSQL on 5432 and Redis on 6379) is touched, stopped or restarted.

Every process is a child of the test, started in its own session so that a kill reaches it and its
children only; everything is stopped and the temporary directory removed at the end.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries Debian installed (``/usr/lib/postgresql/<ver>/bin``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s")


def _children(pid: int) -> list[int]:
    """Direct children of a process, from /proc (no psutil needed)."""
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.split("/")[2]))
    return sorted(children)


def cpu_ticks(pid: int) -> int:
    """User plus system CPU time a process has used so far (clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _stop_group(process: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


class Postgres:
    """A throwaway cluster: initdb into a temporary directory (as the postgres user when run as root,
    since the server refuses root), trust authentication on 127.0.0.1 only."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.dir = workdir / "pg"
        self.port = port
        self.log = workdir / "pg.log"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if AS_ROOT:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=120)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/jifen"

    def init(self) -> None:
        self.dir.mkdir(mode=0o700)
        self.log.touch()
        if AS_ROOT:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.log, "postgres", "postgres")
        self._run("initdb", "-D", str(self.dir), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=100"
        )
        (self.dir / "jifen.opts").write_text(options)
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "jifen")

    def _ctl(self, action: str, *extra: str) -> None:
        options = (self.dir / "jifen.opts").read_text()
        self._run("pg_ctl", action, "-D", str(self.dir), "-l", str(self.log), "-o", options, "-w", *extra)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """What an operator's restart does: a fast shutdown (open transactions rolled back) and a start."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.dir / "postmaster.pid").exists():
            self._ctl("stop", "-m", "immediate")


class Redis:
    """A Redis server of its own, without persistence: a restart loses whatever was queued."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_for("Redis", self._ping, timeout=20)

    def stop(self) -> None:
        _stop_group(self.process)
        self.process = None


@dataclass
class Stack:
    """The private services and the application processes that run against them."""

    workdir: Path
    postgres: Postgres
    redis: Redis
    env: dict[str, str]
    web_port: int = 0
    gunicorn: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def mail_dir(self) -> Path:
        return Path(self.env["JIFEN_FAULTS_MAIL_DIR"])

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``manage.py`` in the stack's environment; what it printed is in the result's ``stdout``."""
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            check=check,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=300,
        )

    def python(self, code: str) -> str:
        """Run ``code`` in a Django process of the stack and return what it printed."""
        return self.manage("shell", "-c", code).stdout

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = self.logs.setdefault(name, self.workdir / f"{name}.log")
        with log.open("a") as out:
            return subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start_web(self) -> None:
        self.web_port = free_port()
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.web_port}", "--workers", "2", "--timeout", "30"]
        command += ["--graceful-timeout", "5", "--log-level", "warning"]
        self.gunicorn = self._spawn("gunicorn", command)
        wait_for("gunicorn", self._healthy, timeout=60)

    def _healthy(self) -> bool:
        if self.gunicorn is not None and self.gunicorn.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {self.gunicorn.returncode}: see {self.logs['gunicorn']}"
            )
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def web_workers(self) -> list[int]:
        return _children(self.gunicorn.pid) if self.gunicorn else []

    def busy_web_worker(self, within: float = 3.0) -> int:
        """A gunicorn worker that is serving a request now (using CPU), so the kill cuts one off."""
        deadline = time.monotonic() + within
        workers = self.web_workers()
        while time.monotonic() < deadline:
            before = {pid: cpu_ticks(pid) for pid in workers}
            time.sleep(0.05)
            busy = [pid for pid in workers if cpu_ticks(pid) > before[pid]]
            if busy:
                return busy[0]
        return workers[0]

    def start_worker(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING"]
        command += ["--concurrency", "2", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.worker = self._spawn("celery", command)

    def kill_worker(self) -> None:
        """kill -9 the Celery worker and its pool, as when its container is killed."""
        _stop_group(self.worker, signal.SIGKILL)
        self.worker = None

    def stop(self) -> None:
        _stop_group(self.gunicorn)
        _stop_group(self.worker)
        self.redis.stop()
        self.postgres.stop()


def stack_env(workdir: Path, postgres: Postgres, redis: Redis) -> dict[str, str]:
    """Production settings (``config.settings`` through ``tests.faults.settings``), with what a TLS proxy
    in front would do turned off: the load speaks plain HTTP to 127.0.0.1."""
    mail_dir = workdir / "mail"
    mail_dir.mkdir()
    static_root = workdir / "static"  # production serves collected files; the API needs none
    static_root.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.faults.settings",
        DATABASE_URL=postgres.url,
        REDIS_URL=redis.url,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_COOKIES="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        JIFEN_VAR_DIR=str(workdir / "var"),
        MEDIA_ROOT=str(workdir / "media"),
        JIFEN_FAULTS_MAIL_DIR=str(mail_dir),
        STATIC_ROOT=str(static_root),
        # The load is a few people hammering one branch: the per-user limits are not what is tested here.
        API_THROTTLE_USER="100000/min",
        API_THROTTLE_WRITES="100000/min",
        API_THROTTLE_LOGIN="100000/min",
        API_THROTTLE_ANON="100000/min",
        LOG_LEVEL="WARNING",
    )
    env.pop("DEBUG", None)
    return env


@contextmanager
def private_stack() -> Iterator[Stack]:
    """PostgreSQL and Redis of our own, migrated; gunicorn and the worker started."""
    workdir = Path(tempfile.mkdtemp(prefix="jifen-faults-"))
    os.chmod(workdir, 0o755)  # the postgres user must reach its data directory inside
    postgres = Postgres(workdir, free_port())
    redis = Redis(workdir, free_port())
    stack = Stack(workdir, postgres, redis, stack_env(workdir, postgres, redis))
    try:
        postgres.init()
        redis.start()
        stack.manage("migrate", "--noinput", "-v", "0")
        stack.start_web()
        stack.start_worker()
        yield stack
    finally:
        stack.stop()
        if os.environ.get("JIFEN_FAULTS_KEEP"):
            print(f"fault suite: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
