"""How long a verifiable draw takes on a province-sized pool, against the naive draw.

    .venv/bin/python benchmarks/draw.py [--candidates 10000000] [--runs 3] [--database-url URL]

Builds (or reuses) an N-candidate pool in PostgreSQL in four risk strata, twice: as the
platform keeps a frozen pool (a row per candidate, and the lines it hashed, in parts), and
in a narrower table of just the two columns a naive draw needs (where it is faster). Then
times
  (a) the naive, unverifiable draw many platforms do: ORDER BY random() LIMIT k per stratum,
      on the narrow table (also, for comparison, on ours: (a'));
  (b) our full draw: freeze (the pool read back and its digest, as the draw reads and
      checks it), tickets, selection, standby lists, groups, record
      (its digest, over every byte of it: the platform keeps the record without its big
      arrays and the frozen pool, and makes the file on first export, see (c));
  (c) `shuangsuiji draw verify` on that record, in a separate process, after the record
      file is made from the pool as the platform makes it on first export (timed apart);
and prints the times, (b)/(a), (c)/(a), candidates per second and peak memory.
"""

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from shuangsuiji.draws import pool_parts
from shuangsuiji.rules.draw import fast
from shuangsuiji.rules.draw import pools as P
from shuangsuiji.rules.draw.bulk import bulk_draw, rewrite_record, write_record
from shuangsuiji.rules.draw.engine import DepartmentSpec
from shuangsuiji.rules.draw.pool_parts import joined
from shuangsuiji.rules.draw.sizes import StratumRule, sample_size

SHARES = {"A": 40, "B": 30, "C": 20, "D": 10}  # percent of the pool per risk class
RULES = {"A": StratumRule(ratio="0.02"), "B": StratumRule(ratio="0.05"),
         "C": StratumRule(ratio="0.2"), "D": StratumRule(ratio="1")}
DEPARTMENTS = [DepartmentSpec("SJ", 2, 1), DepartmentSpec("XF", 2, 0)]


def ensure_naive_pool(conn: psycopg.Connection, n: int) -> str:
    """The same n candidates as ensure_pool, in the table a naive platform would need: its
    two columns and an index on the stratum (a narrower table than ours: (a) is never
    timed on more than it needs)."""
    def build(cur: psycopg.Cursor, table: str) -> None:
        cur.execute(f'CREATE TABLE {table} (ident text COLLATE "C" PRIMARY KEY, '
                    "stratum text NOT NULL)")
        cur.execute(f"INSERT INTO {table} SELECT {_IDENT}, {_STRATUM} "
                    "FROM generate_series(1, %s) i", (n,))
        cur.execute(f"CREATE INDEX ON {table} (stratum)")

    return _ensure(conn, f"bench_draw_pool_{n}", build, f"with {n:,} candidates")


def _ensure(conn: psycopg.Connection, table: str,
            build: Callable[[psycopg.Cursor, str], None], what: str) -> str:
    """`table`, built by `build` unless it is there from an earlier run, and analysed."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
        if not cur.fetchone()[0]:
            print(f"building {table} {what}…", flush=True)
            build(cur, table)
    conn.commit()
    with psycopg.connect(conn.info.dsn, autocommit=True) as admin:
        admin.execute(f"VACUUM ANALYZE {table}")
    return table


# The i-th candidate's ID and stratum (SHARES), in SQL over generate_series(1, n) i.
_IDENT = "'91' || lpad((i::bigint * 7919 %% 1000000007)::text, 16, '0')"
_STRATUM = ("CASE WHEN i %% 100 < 40 THEN 'A' WHEN i %% 100 < 70 THEN 'B' "
            "WHEN i %% 100 < 90 THEN 'C' ELSE 'D' END")


def ensure_pool(conn: psycopg.Connection, n: int) -> str:
    """A frozen pool of n candidates as the platform keeps one (draws.FrozenCandidate: its
    columns, its unique index, its rows written in byte order of their IDs), of one freeze."""
    def build(cur: psycopg.Cursor, table: str) -> None:
        cur.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, freeze_id bigint NOT "
                    'NULL, ident varchar(40) COLLATE "C" NOT NULL, stratum varchar(10) NOT '
                    "NULL, target_id bigint)")
        cur.execute(f"INSERT INTO {table} (freeze_id, ident, stratum, target_id) SELECT 1, "
                    f"{_IDENT}, {_STRATUM}, i FROM generate_series(1, %s) i ORDER BY 2", (n,))
        cur.execute(f"CREATE UNIQUE INDEX ON {table} (freeze_id, ident)")

    return _ensure(conn, f"bench_draw_frozen_{n}", build, f"with {n:,} candidates")


def ensure_parts(conn: psycopg.Connection, rows: str) -> str:
    """The lines of the pool in table `rows` as the freeze keeps them for the draw
    (draws.FrozenPoolPart: its columns, its unique index, LZ4), read from the rows."""
    def build(cur: psycopg.Cursor, table: str) -> None:
        cur.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, freeze_id bigint "
                    "NOT NULL, seq integer NOT NULL, lines bytea NOT NULL, "
                    "UNIQUE (freeze_id, seq))")
        if pool_parts.lz4_available(cur):
            cur.execute(f"ALTER TABLE {table} ALTER COLUMN lines SET COMPRESSION lz4")
        pool, _digest = read_rows(conn, rows)
        pool_parts.write(conn, table, ("freeze_id", 1), pool)

    return _ensure(conn, rows.replace("_frozen_", "_parts_"), build, f"from {rows}")


def naive(conn: psycopg.Connection, table: str, sizes: dict[str, int]) -> float:
    start = time.perf_counter()
    with conn.cursor() as cur:
        for label, n in sizes.items():
            cur.execute(f"SELECT ident FROM {table} WHERE stratum = %s ORDER BY random() LIMIT %s",
                        (label, sample_size(n, RULES[label])))
            cur.fetchall()
    return time.perf_counter() - start


def read_pool(conn: psycopg.Connection, parts: str) -> tuple[bytes, str]:
    """The whole pool and its digest, as the platform reads a frozen pool at the draw
    (draws/frozen.py: pool_buffer): the parts the freeze kept, checked against the frozen
    digest."""
    return joined(pool_parts.read(conn, parts, ("freeze_id", 1)))


def read_rows(conn: psycopg.Connection, table: str) -> tuple[bytes, str]:
    """The whole pool and its digest from its rows, as the platform reads them at the freeze
    and when the parts do not give the digest (draws/frozen.py: read_rows)."""
    with conn.cursor() as cur:
        pool = pool_parts.lines_by_index(cur, table, 1, postgresql=True)
    return pool, hashlib.sha256(pool).hexdigest()


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine (this process and the database) has been busy."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(v) for v in fh.readline().split()[1:]]
    except OSError:
        return float("nan")
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # not idle, iowait


def ours(conn: psycopg.Connection, parts: str) -> tuple[float, dict[str, float], bytes, dict]:
    steps: dict[str, float] = {}
    start, busy = time.perf_counter(), busy_cpu_seconds()
    buffer, pool_digest = read_pool(conn, parts)
    steps["freeze: read pool + digest"] = time.perf_counter() - start
    steps["  (machine busy during it, CPU s)"] = busy_cpu_seconds() - busy
    inspectors = sorted(
        [P.PoolInspector(f"SJ{i:04d}", "SJ", "officer") for i in range(300)]
        + [P.PoolInspector(f"SJX{i:03d}", "SJ", "expert") for i in range(40)]
        + [P.PoolInspector(f"XF{i:04d}", "XF", "officer") for i in range(200)],
        key=lambda i: P.inspector_line(i).encode())
    inspector_lines = [P.inspector_line(i).rstrip("\n") for i in inspectors]
    inspector_digest = P.lines_digest(line + "\n" for line in inspector_lines)
    secret = P.new_server_secret()
    ceremony = "38201958377102938475"
    seed = P.make_seed(secret, ceremony, pool_digest, inspector_digest)
    mark = time.perf_counter()
    draw = bulk_draw(pool_buffer=buffer, seed=seed, rules=RULES, inspectors=inspectors,
                     departments=DEPARTMENTS, conflicts=[])
    steps["tickets, order, selection, standby, groups"] = time.perf_counter() - mark
    mark = time.perf_counter()
    written = write_record(None, draw=draw, task={"id": "1", "code": "BENCH", "name": "benchmark"},
                           pool_digest=pool_digest, inspector_lines=inspector_lines,
                           inspector_digest=inspector_digest, server_secret=secret,
                           commitment=P.commitment(secret), ceremony_input=ceremony,
                           witnesses=["甲", "乙"], ceremony_source="十面骰子", seed=seed,
                           rules=RULES, departments=DEPARTMENTS, lookback_days=365,
                           conflicts=[], drawn_at="2026-11-27T09:00:00+08:00")
    steps["record (canonical JSON and its digest)"] = time.perf_counter() - mark
    elapsed = time.perf_counter() - start
    steps[f"  (machine busy during (b), CPU s; {os.cpu_count()} cores)"] = (
        busy_cpu_seconds() - busy)
    return elapsed, steps, buffer, written.head


def record_file(buffer: bytes, head: dict, out: Path) -> float:
    """The record file as the platform makes it on first export (records.ensure_file)."""
    start = time.perf_counter()
    with out.open("wb") as fh:
        digest = rewrite_record(fh, head=head, pool_buffer=buffer)
    if digest != head["record_digest"]:
        raise SystemExit("the record made again is not the one drawn")
    return time.perf_counter() - start


def verify_in_subprocess(path: Path) -> tuple[float, int, str]:
    code = ("import resource,sys,time;from shuangsuiji.cli import main;t=time.perf_counter();"
            "rc=main(['draw','verify',sys.argv[1]]);"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rc)")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    lines = result.stdout.strip().splitlines()
    seconds, rss, rc = lines[-1].split()
    return float(seconds), int(rss), f"{lines[0]} (exit {rc})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3,
                        help="(a) and (b) are timed this many times, in turn; medians count")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/shuangsuiji_bench"))
    args = parser.parse_args()
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    record_path = out / f"draw-{args.candidates}.json"
    naive_runs: list[float] = []
    naive_ours: list[float] = []
    our_runs: list[tuple[float, dict[str, float]]] = []
    buffer, head = b"", {}  # the last run's pool and record head: the file is made of them
    with psycopg.connect(args.database_url) as conn:
        table = ensure_pool(conn, args.candidates)
        narrow = ensure_naive_pool(conn, args.candidates)
        parts = ensure_parts(conn, table)
        with conn.cursor() as cur:
            cur.execute(f"SELECT stratum, count(*) FROM {table} GROUP BY 1 ORDER BY 1")
            sizes = dict(cur.fetchall())
        # Untimed: the first naive draw reads its table from disk (4.6 s against 2.2 s once
        # it is in memory), and (a) is timed at its best.
        naive(conn, narrow, sizes)
        for _run in range(max(1, args.runs)):
            naive_runs.append(naive(conn, narrow, sizes))
            naive_ours.append(naive(conn, table, sizes))
            buffer, head = b"", {}  # one pool in memory at a time
            elapsed, steps, buffer, head = ours(conn, parts)
            our_runs.append((elapsed, steps))
        peak_b = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        if read_rows(conn, table)[1] != head["pool"]["digest"]:
            raise SystemExit("the pool's rows and its parts differ")
        rows_read = time.perf_counter() - start
    a = statistics.median(naive_runs)
    b, steps = sorted(our_runs, key=lambda run: run[0])[len(our_runs) // 2]
    # A new file, as the platform never overwrites a record (and truncating the last one
    # would time the file system).
    record_path.unlink(missing_ok=True)
    made = record_file(buffer, head, record_path)
    del buffer
    c, peak_c, verdict = verify_in_subprocess(record_path)
    n = args.candidates
    pool_mb = n * (len(next(iter(sizes))) + 20) / 1e6
    print(f"\ncandidates: {n:,} in strata {sizes}; C fast path: {fast.AVAILABLE}")
    print(f"runs: {len(naive_runs)}, medians below; (a) " +
          ", ".join(f"{t:.2f}" for t in naive_runs) + " s; (b) " +
          ", ".join(f"{t:.2f}" for t, _steps in our_runs) + " s")
    print(f"(a) naive ORDER BY random() LIMIT k:  {a:8.2f} s   "
          f"(a') on our frozen-pool table: {statistics.median(naive_ours):.2f} s")
    print(f"(b) verifiable draw, full record:      {b:8.2f} s   (b)/(a) = {b / a:.2f}")
    for step, seconds in steps.items():
        print(f"      {step:42s} {seconds:6.2f} s")
    print(f"the pool read from its rows instead (when its parts do not give the digest): "
          f"{rows_read:.2f} s")
    print(f"record file made from the pool (first export, not in (b)): {made:.2f} s")
    print(f"(c) draw verify (separate process):    {c:8.2f} s   (c)/(a) = {c / a:.2f}  {verdict}")
    print(f"candidates/s, draw: {n / b:,.0f}; verify: {n / c:,.0f}")
    print(f"peak memory: draw {peak_b / 1024:,.0f} MB, verify {peak_c / 1024:,.0f} MB; "
          f"pool as text ≈ {pool_mb:,.0f} MB; record {record_path.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
