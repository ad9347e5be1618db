"""The compose deployment's reverse proxy: only nginx is reachable from outside, and it refuses a request
body larger than the largest upload the service accepts before Django reads a byte of it."""

import http.client
import http.server
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


@pytest.fixture(scope="module")
def nginx() -> str:
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())  # directives only


def size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * UNITS[unit]


def body_limits(conf: str) -> dict[str, int]:
    """client_max_body_size of the server ("") and of each location that sets its own."""
    limits = {}
    server = re.sub(r"location\s+([^{\s]+)\s*\{([^}]*)\}", "", conf)
    limits[""] = size(re.search(r"client_max_body_size\s+(\w+);", server).group(1))
    for path, block in re.findall(r"location\s+([^{\s]+)\s*\{([^}]*)\}", conf):
        found = re.search(r"client_max_body_size\s+(\w+);", block)
        if found:
            limits[path] = size(found.group(1))
    return limits


def test_only_the_proxy_is_published_and_it_forwards_to_gunicorn(services, nginx):
    published = sorted(name for name, service in services.items() if service.get("ports"))

    assert published == ["proxy"]
    assert services["proxy"]["ports"] == ["${JIFEN_PORT:-8000}:80"]
    assert services["proxy"]["image"] == "nginx:stable-alpine"
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "--bind 0.0.0.0:8000" in services["web"]["command"]
    assert re.search(r"server\s+web:8000;", nginx)
    assert nginx.count("proxy_pass http://jifen_web;") == 3


def test_the_body_limit_is_the_largest_upload_with_a_margin_and_login_takes_no_files(nginx):
    largest_upload = settings.EVIDENCE_MAX_FILES * settings.EVIDENCE_MAX_BYTES  # a claim with every file
    limits = body_limits(nginx)

    assert largest_upload < limits[""] <= largest_upload * 1.2
    assert limits[""] > settings.ROSTER_MAX_BYTES
    assert limits["/accounts/"] == limits["/api/v1/auth/"] == 1024**2


def test_the_proxy_tells_django_who_the_client_is_and_django_counts_one_proxy(services, nginx):
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $jifen_forwarded_proto;" in nginx
    assert "proxy_set_header Host $host;" in nginx
    assert services["web"]["environment"]["JIFEN_TRUSTED_PROXIES"] == "${JIFEN_TRUSTED_PROXIES:-1}"


# --- The configuration run by a real nginx (skipped where nginx is not installed) ------------------

needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_stand_in():
    """Where the web service would be: notes each request's path, body size and forwarding headers."""
    seen: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(
                {"path": self.path, "size": len(body), **{k.lower(): v for k, v in self.headers.items()}}
            )
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(tmp_path, gunicorn_stand_in):
    """deploy/nginx.conf in a real nginx, its upstream pointed at the stand-in."""
    backend, seen = gunicorn_stand_in
    port = free_port()
    site = NGINX_CONF.read_text().replace("server web:8000;", f"server 127.0.0.1:{backend};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "site.conf").write_text(site)
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; master_process off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; {temp} include {tmp_path}/site.conf; }}\n"
    )
    check = subprocess.run(["nginx", "-t", "-c", tmp_path / "nginx.conf"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(["nginx", "-c", tmp_path / "nginx.conf"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port, seen
    finally:
        server.terminate()
        server.wait(timeout=10)


def post(port: int, path: str, *, length: int, body: bytes = b"") -> int:
    """POST announcing ``length`` bytes; nginx answers 413 from the header alone when it is too many."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Length", str(length))
        connection.putheader(
            "X-Forwarded-For", "203.0.113.9"
        )  # what a client claims, kept before nginx's entry
        connection.endheaders(body or None)
        return connection.getresponse().status
    finally:
        connection.close()


@needs_nginx
def test_nginx_refuses_an_oversized_body_before_gunicorn_sees_it(proxy):
    port, seen = proxy
    limit = body_limits(re.sub(r"#[^\n]*", "", NGINX_CONF.read_text()))

    assert post(port, "/accounts/login/", length=60 * 1024**2) == 413  # the anonymous 60 MB login POST
    assert post(port, "/claims/new/", length=limit[""] + 1) == 413
    assert seen == []

    assert post(port, "/claims/new/", length=2 * 1024**2, body=b"x" * 2 * 1024**2) == 200
    [request] = seen
    assert request["size"] == 2 * 1024**2
    assert request["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"  # the last entry is the one Django trusts
    assert request["x-forwarded-proto"] == "http"
