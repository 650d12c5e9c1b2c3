"""Production configuration: Django's deploy check, gunicorn with WhiteNoise, no CDN.

The subprocess tests run the real settings module (not the test settings) with the
environment a production server would have; see README "Deployment".
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = "shuangsuiji.example.gov.cn"


def production_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "SHUANGSUIJI_"))}
    env = keep | {
        "DJANGO_SETTINGS_MODULE": "shuangsuiji.config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": "postgres://shuangsuiji@db.internal:5432/shuangsuiji",
        "SHUANGSUIJI_DATA_DIR": str(data_dir),
    }
    return env | overrides


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("overrides", "check_id"), [
    ({"DJANGO_DEBUG": "1"}, "security.W018"),
    ({"DJANGO_SECRET_KEY": "short"}, "security.W009"),
    ({"DJANGO_HSTS_SECONDS": "0"}, "security.W004"),
])
def test_the_deploy_check_fails_on_an_unsafe_setting(tmp_path, overrides, check_id):
    result = manage(production_env(tmp_path, **overrides),
                    "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert check_id in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    env = production_env(tmp_path, DJANGO_SECRET_KEY_FILE=str(key_file))
    del env["DJANGO_SECRET_KEY"]
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, *, https: bool = True) -> tuple[int, dict[str, str], bytes]:
    headers = {"Host": HOST} | ({"X-Forwarded-Proto": "https"} if https else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http://127.0.0.1)
        with opener.open(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """The README's production start: migrate, collectstatic, gunicorn.

    The server has its own SQLite file whatever DATABASE_URL the suite runs with, so it is
    started once, in the SQLite pass: collectstatic compresses every asset and takes a while.
    """
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("database-independent; runs in the SQLite pass of the suite")
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    for args in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        result = manage(env, *args)
        assert result.returncode == 0, result.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shuangsuiji.config.wsgi", "-w", "2",
         "-b", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(base + "/login/")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_serves_the_login_page_and_hashed_static_files(gunicorn):
    status, _headers, body = fetch(gunicorn + "/login/")
    assert status == 200
    css = re.search(rb'href="(/static/shuangsuiji/site\.[0-9a-f]{12}\.css)"', body)
    assert css, "the stylesheet is served under its content hash"
    status, headers, _ = fetch(gunicorn + css.group(1).decode())
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in headers["Cache-Control"]


def test_plain_http_is_redirected_to_https(gunicorn):
    status, headers, _ = fetch(gunicorn + "/login/", https=False)
    assert status == 301 and headers["Location"] == f"https://{HOST}/login/"


def test_an_unknown_host_is_refused(gunicorn):
    request = urllib.request.Request(gunicorn + "/login/", headers={  # noqa: S310
        "Host": "evil.example.com", "X-Forwarded-Proto": "https"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert info.value.code == 400


EXTERNAL_ASSET = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


def test_no_template_loads_anything_from_another_site():
    templates = [p for p in (ROOT / "shuangsuiji").rglob("templates/**/*.html")]
    assert templates
    offenders = [str(p.relative_to(ROOT)) for p in templates
                 if EXTERNAL_ASSET.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.django_db
def test_the_api_docs_use_local_assets(client):
    page = client.get("/api/docs/").content.decode()
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
