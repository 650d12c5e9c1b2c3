"""The files in deploy/ run commands that exist and keep to the layout README describes."""

import re
from pathlib import Path

from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_every_command_the_units_run_exists():
    commands = get_commands()
    run = []
    for unit in DEPLOY.glob("*.service"):
        for line in unit.read_text().splitlines():
            run += re.findall(r"\.venv/bin/shuangsuiji (\w+)", line)
    assert {"db_worker", "audit", "notices", "imports", "backup"} <= set(run)
    assert all(name in commands for name in run), set(run) - set(commands)


def test_nginx_lets_the_health_probe_through_and_sends_the_scheme():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "location = /healthz" in conf and "X-Forwarded-Proto https" in conf
    directives = [line.split("#")[0] for line in conf.splitlines()]
    # nginx serves no file itself: private files only through the application's checks
    assert not any(re.search(r"\b(alias|root)\b", line) for line in directives)
