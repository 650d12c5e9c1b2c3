"""How long a verifiable draw takes on a province-sized pool, against the naive draw.

    .venv/bin/python benchmarks/draw.py [--candidates 10000000] [--runs 3] [--database-url URL]

Builds (or reuses) an N-candidate pool in PostgreSQL in four risk strata, then times
  (a) the naive, unverifiable draw many platforms do: ORDER BY random() LIMIT k per stratum;
  (b) our full draw: freeze (pool digest), tickets, selection, standby lists, groups, record
      (its digest, over every byte of it: the platform keeps the record without its big
      arrays and the frozen pool, and makes the file on first export, see (c));
  (c) `shuangsuiji draw verify` on that record, in a separate process, after the record
      file is made from the pool as the platform makes it on first export (timed apart);
and prints the times, (b)/(a), (c)/(a), candidates per second and peak memory.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from psycopg.types.string import ByteaBinaryLoader

from shuangsuiji.rules.draw import fast
from shuangsuiji.rules.draw import pools as P
from shuangsuiji.rules.draw.bulk import bulk_draw, rewrite_record, write_record
from shuangsuiji.rules.draw.engine import DepartmentSpec
from shuangsuiji.rules.draw.sizes import StratumRule, sample_size

SHARES = {"A": 40, "B": 30, "C": 20, "D": 10}  # percent of the pool per risk class
RULES = {"A": StratumRule(ratio="0.02"), "B": StratumRule(ratio="0.05"),
         "C": StratumRule(ratio="0.2"), "D": StratumRule(ratio="1")}
DEPARTMENTS = [DepartmentSpec("SJ", 2, 1), DepartmentSpec("XF", 2, 0)]


def ensure_pool(conn: psycopg.Connection, n: int) -> str:
    table = f"bench_draw_pool_{n}"
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
        if not cur.fetchone()[0]:
            print(f"building {table} with {n:,} candidates…", flush=True)
            # COLLATE "C": the primary-key index gives lines in UTF-8 byte order (§1).
            cur.execute(f'CREATE TABLE {table} (ident text COLLATE "C" PRIMARY KEY, '
                        "stratum text NOT NULL)")
            cur.execute(
                f"INSERT INTO {table} SELECT '91' || lpad((i::bigint * 7919 %% 1000000007)::text,"
                " 16, '0'), CASE WHEN i %% 100 < 40 THEN 'A' WHEN i %% 100 < 70 THEN 'B' "
                "WHEN i %% 100 < 90 THEN 'C' ELSE 'D' END FROM generate_series(1, %s) i", (n,))
            cur.execute(f"CREATE INDEX ON {table} (stratum)")
        # The pool is read in byte order from an index holding both columns (an index-only
        # scan), not from the heap in random order.
        cur.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS {table}_lines ON {table} '
                    '(ident COLLATE "C") INCLUDE (stratum)')
    conn.commit()
    with psycopg.connect(conn.info.dsn, autocommit=True) as admin:
        admin.execute(f"VACUUM ANALYZE {table}")  # the visibility map index-only scans need
    return table


def naive(conn: psycopg.Connection, table: str, sizes: dict[str, int]) -> float:
    start = time.perf_counter()
    with conn.cursor() as cur:
        for label, n in sizes.items():
            cur.execute(f"SELECT ident FROM {table} WHERE stratum = %s ORDER BY random() LIMIT %s",
                        (label, sample_size(n, RULES[label])))
            cur.fetchall()
    return time.perf_counter() - start


_CHUNK = 250_000  # as draws/frozen.py
# As the product reads a frozen pool (draws/frozen.py): each column aggregated as it is, the
# lines built by fast.pool_lines. No ORDER BY inside string_agg: PostgreSQL 15 would sort
# each million again although the index scan below already delivers them in order.
# fast.scan() proves the order (or refuses the pool), so nothing rests on the planner.
_AGGREGATE = ("SELECT string_agg(ident, E'\\n'), string_agg(stratum, E'\\n') "
              "FROM (SELECT ident, stratum FROM {table} WHERE {where} ORDER BY ident LIMIT %s) s")


def read_range(url: str, table: str, low: str, high: str | None,  # noqa: PLR0917
               out: list, slot: int) -> None:
    """Blocks of the pool with low < ident <= high, in byte order: (IDs, strata), each
    joined by LF, a million lines per round trip (far cheaper than COPY, which sends one
    message per row for the client to handle)."""
    blocks, last = [], low
    where = "ident > %s" + (" AND ident <= %s" if high is not None else "")
    with psycopg.connect(url) as conn, conn.cursor(binary=True) as cur:
        cur.adapters.register_loader("text", ByteaBinaryLoader)  # UTF-8 bytes, not str
        while True:
            params = (last, high, _CHUNK) if high is not None else (last, _CHUNK)
            cur.execute(_AGGREGATE.format(table=table, where=where), params)
            ids, strata = cur.fetchone()
            if not ids:
                break
            blocks.append((ids, strata))
            last = fast.last_line(ids).decode()
    out[slot] = blocks


def read_pool(url: str, conn: psycopg.Connection, table: str, n: int) -> tuple[bytes, str]:
    """The whole pool and its digest, in two halves read in parallel (the server works on
    both cores).

    The split point is the middle of the planner's histogram of `ident`: any point gives
    the same bytes, and finding the exact median (OFFSET n/2) would walk half the index.
    """
    bounds = conn.execute("SELECT histogram_bounds::text::text[] FROM pg_stats "
                          "WHERE tablename = %s AND attname = 'ident'", (table,)).fetchone()
    if bounds and bounds[0]:
        median = bounds[0][len(bounds[0]) // 2]
    else:
        median = conn.execute(f"SELECT ident FROM {table} ORDER BY ident OFFSET %s LIMIT 1",
                              (n // 2,)).fetchone()[0]
    out: list = [b"", b""]
    threads = [threading.Thread(target=read_range, args=(url, table, "", median, out, 0)),
               threading.Thread(target=read_range, args=(url, table, median, None, out, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return fast.pool_lines(out[0] + out[1])


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine (this process and the database) has been busy."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(v) for v in fh.readline().split()[1:]]
    except OSError:
        return float("nan")
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # not idle, iowait


def ours(url: str, conn: psycopg.Connection, table: str, n: int
         ) -> tuple[float, dict[str, float], bytes, dict]:
    steps: dict[str, float] = {}
    start, busy = time.perf_counter(), busy_cpu_seconds()
    buffer, pool_digest = read_pool(url, conn, table, n)
    steps["freeze: read pool + digest"] = time.perf_counter() - start
    # Why the read cannot overlap anything: the database uses the cores meanwhile.
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
    our_runs: list[tuple[float, dict[str, float]]] = []
    buffer, head = b"", {}  # the last run's pool and record head: the file is made of them
    with psycopg.connect(args.database_url) as conn:
        table = ensure_pool(conn, args.candidates)
        with conn.cursor() as cur:
            cur.execute(f"SELECT stratum, count(*) FROM {table} GROUP BY 1 ORDER BY 1")
            sizes = dict(cur.fetchall())
        for _run in range(max(1, args.runs)):
            naive_runs.append(naive(conn, table, sizes))
            buffer, head = b"", {}  # one pool in memory at a time
            elapsed, steps, buffer, head = ours(args.database_url, conn, table, args.candidates)
            our_runs.append((elapsed, steps))
    peak_b = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
    print(f"(a) naive ORDER BY random() LIMIT k:  {a:8.2f} s")
    print(f"(b) verifiable draw, full record:      {b:8.2f} s   (b)/(a) = {b / a:.2f}")
    for step, seconds in steps.items():
        print(f"      {step:42s} {seconds:6.2f} s")
    print(f"record file made from the pool (first export, not in (b)): {made:.2f} s")
    print(f"(c) draw verify (separate process):    {c:8.2f} s   (c)/(a) = {c / a:.2f}  {verdict}")
    print(f"candidates/s, draw: {n / b:,.0f}; verify: {n / c:,.0f}")
    print(f"peak memory: draw {peak_b / 1024:,.0f} MB, verify {peak_c / 1024:,.0f} MB; "
          f"pool as text ≈ {pool_mb:,.0f} MB; record {record_path.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
