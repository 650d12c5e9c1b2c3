"""Benchmark: a province's load on the whole application, with locust against gunicorn.

    pip install -e ".[bench]"
    .venv/bin/python benchmarks/load.py [--users 200] [--spawn-rate 20] [--time 2m]
        [--wait 5,15] [--targets 10000000] [--inspectors 5000] [--workers 3] [--threads 1]
        [--fill-only] [--queries [--profile PATH]]

Creates and migrates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/shuangsuiji_loadbench) and fills it like a province
(benchmarks/load_fill.py: 10,000,000 targets by COPY, 5,000 certified inspectors with their
users, five past tasks drawn by the services with 1,000,000 approved and published results,
and a task under way of 10,000 visits); a fill already there is reused. Then it starts the
application under gunicorn as in production (DEBUG off, collected static files; the workers
and threads given) and runs locust headless (benchmarks/load_users.py) with three kinds of
users: inspectors, clerks of the office, and the public. It prints p50/p95/max per page and
per save, the errors, the slowest pages and the requests per second, with the machine's load
(`uptime`) before and after. Target on a 2-core machine: 200 concurrent sessions, p95 < 300 ms
for pages and < 500 ms for saves, no errors.

Sign-in: every simulated person signs in once as a user of their own (`lb-insp-NNNNN`,
`lb-clerk-NNN`, password load_fill.PASSWORD) through the sign-in page; no password is wrong,
so the lockout (django-axes) counts nothing. The production settings are unchanged.
"""

import argparse
import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shuangsuiji_loadbench"
ENV = {"DATABASE_URL": DEFAULT_URL, "DJANGO_DEBUG": "1",
       "SHUANGSUIJI_DATA_DIR": "/tmp/shuangsuiji-loadbench",
       "DJANGO_SETTINGS_MODULE": "shuangsuiji.config.settings"}
SAVES = ("POST",)  # locust names a save "POST <page>": its target is 500 ms, pages' 300 ms


def _setup_django() -> None:
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    try:
        connection.ensure_connection()
    except Exception:  # the database does not exist yet
        import psycopg
        base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _report(prefix: Path) -> None:
    """p50/p95/max per page and save from locust's CSV, the errors and the slowest pages."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    pages = [r for r in rows if r["Name"] != "Aggregated"]
    print(f"\n{'request':<44} {'n':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'max':>6}  target")
    missed = []
    for r in sorted(pages, key=lambda r: (r["Type"] not in SAVES, r["Name"])):
        target = 500 if r["Type"] in SAVES else 300
        p95 = float(r["95%"])
        flag = "ok" if p95 < target else f"MISSED (> {target} ms)"
        if p95 >= target:
            missed.append(r)
        print(f"{r['Type'] + ' ' + r['Name']:<44} {r['Request Count']:>6} "
              f"{r['Failure Count']:>5} {float(r['50%']):>6.0f} {p95:>6.0f} "
              f"{float(r['Max Response Time']):>6.0f}  {flag}")
    print(f"{'all':<44} {total['Request Count']:>6} {total['Failure Count']:>5} "
          f"{float(total['50%']):>6.0f} {float(total['95%']):>6.0f} "
          f"{float(total['Max Response Time']):>6.0f}")
    print(f"\nrequests per second: {float(total['Requests/s']):.1f}; "
          f"failures: {total['Failure Count']}")
    print("slowest pages (p95): " + ", ".join(
        f"{r['Type']} {r['Name']} {float(r['95%']):.0f} ms"
        for r in sorted(pages, key=lambda r: -float(r["95%"]))[:5]))
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(encoding="utf-8") as handle:
            for r in list(csv.DictReader(handle))[:10]:
                print(f"error: {r['Method']} {r['Name']} × {r['Occurrences']}: {r['Error'][:200]}")
    print("target met" if not missed and total["Failure Count"] == "0" else
          f"target missed on {len(missed)} requests"
          + (f", {total['Failure Count']} errors" if total["Failure Count"] != "0" else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--time", default="2m")
    parser.add_argument("--targets", type=int, default=10_000_000)
    parser.add_argument("--inspectors", type=int, default=5000)
    parser.add_argument("--past-tasks", type=int, default=5,
                        help="past years' tasks, each 1/50 of the directory drawn and published")
    parser.add_argument("--workers", type=int, default=3,
                        help="gunicorn worker processes (3: deploy/shuangsuiji-web.service)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--wait", default="5,15",
                        help="seconds between a session's clicks, min,max (think time)")
    parser.add_argument("--reset-stats", action=argparse.BooleanOptionalAction, default=True,
                        help="count from when every session has signed in (locust's option)")
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--no-fill", action="store_true",
                        help="use the database as it is (a fill running in another process)")
    parser.add_argument("--queries", action="store_true",
                        help="instead of the load: each page once, its SQL queries and time")
    parser.add_argument("--profile", default="", help="with --queries: pyinstrument this path")
    parser.add_argument("--csv", default="/tmp/shuangsuiji-loadbench/locust")
    args = parser.parse_args()
    _setup_django()
    from benchmarks import load_fill

    if not args.no_fill:
        load_fill.fill(args.targets, args.inspectors, args.past_tasks)
    load_fill.describe()
    if args.fill_only:
        return
    if args.queries:
        from benchmarks import load_profile

        load_profile.run(args.profile)
        return
    from django.db import connections

    connections.close_all()
    port = _free_port()
    # Served as in production: DEBUG off (cached templates), static files collected with their
    # manifest, plain HTTP on the loopback (nginx would hold the TLS).
    env = dict(os.environ, DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_DEBUG="0",
               DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "load-benchmark-" * 4),
               DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_COOKIES="0")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "shuangsuiji.config.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--threads", str(args.threads), "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/public/results/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        before = _uptime()
        print(f"\n{args.users} users, spawn rate {args.spawn_rate}/s, {args.time}, "
              f"{args.wait} s between clicks; "
              f"gunicorn {args.workers} workers × {args.threads} threads\nbefore: {before}",
              flush=True)
        subprocess.run(
            [str(Path(sys.executable).parent / "locust"), "-f",
             str(ROOT / "benchmarks" / "load_users.py"), "--headless", "--host", base,
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time,
             "--csv", args.csv, "--only-summary", "--loglevel", "WARNING",
             # Figures from the moment every session is signed in: the ramp is 200 sign-ins
             # in ten seconds, each a PBKDF2 of a million rounds (Django's default hasher),
             # which no working day sees at once. load_profile.py times one sign-in.
             *(["--reset-stats"] if args.reset_stats else []),
             "--stop-timeout", "10"],
            cwd=ROOT, check=False,
            env=dict(os.environ, LOAD_INSPECTORS=str(args.inspectors), LOAD_WAIT=args.wait))
        print(f"after:  {_uptime()}")
        _report(Path(args.csv))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
