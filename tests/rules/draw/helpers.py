"""A small world for draw tests: a pool in four risk strata, two departments' inspectors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shuangsuiji.rules import uscc
from shuangsuiji.rules.draw.engine import Conflict, DepartmentSpec, run_draw
from shuangsuiji.rules.draw.pools import (
    Candidate,
    PoolInspector,
    candidate_line,
    commitment,
    inspector_line,
    lines_digest,
    make_seed,
    sorted_lines,
)
from shuangsuiji.rules.draw.record import build_record
from shuangsuiji.rules.draw.sizes import StratumRule

SECRET = "5f" * 32
CEREMONY = "38201958377102938475"


def code(i: int) -> str:
    return uscc.make_valid(f"9114050{i % 10}MA0K{i:05d}")


def candidates(n: int = 37, strata: str = "ABCD") -> list[Candidate]:
    return [Candidate(code(i), strata[i % len(strata)]) for i in range(n)]


def inspectors() -> list[PoolInspector]:
    office = [PoolInspector(f"E{i:03d}", "RFB", "officer") for i in range(1, 9)]
    experts = [PoolInspector(f"X{i:03d}", "RFB", "expert") for i in range(1, 3)]
    fire = [PoolInspector(f"F{i:03d}", "XFZD", "officer") for i in range(1, 6)]
    return office + experts + fire


DEPARTMENTS = [DepartmentSpec("RFB", 2, 1), DepartmentSpec("XFZD", 2, 0)]


def make_record(pool=None, rules=None, conflicts=(), departments=DEPARTMENTS):
    pool = pool if pool is not None else candidates()
    rules = rules or {s: StratumRule(ratio="15") for s in sorted({c.stratum for c in pool})}
    pool_lines = sorted_lines(candidate_line(c) for c in pool)
    insp = inspectors()
    insp_lines = sorted_lines(inspector_line(i) for i in insp)
    pool_digest, insp_digest = lines_digest(pool_lines), lines_digest(insp_lines)
    seed = make_seed(SECRET, CEREMONY, pool_digest, insp_digest)
    result = run_draw(seed=seed, candidates=pool, rules=rules, inspectors=insp,
                      departments=departments, conflicts=list(conflicts))
    strata: dict[str, int] = {}
    for c in pool:
        strata[c.stratum] = strata.get(c.stratum, 0) + 1
    return build_record(
        task={"id": "1", "code": "RFB-2023-01", "name": "2023年非煤矿山部门联合双随机抽查"},
        pool_lines=[line.rstrip("\n") for line in pool_lines], pool_digest=pool_digest,
        pool_strata=strata, inspector_lines=[line.rstrip("\n") for line in insp_lines],
        inspector_digest=insp_digest, server_secret=SECRET, commitment=commitment(SECRET),
        ceremony_input=CEREMONY, witnesses=["王新根", "李华"], ceremony_source="十面骰子 20 次",
        seed=seed, rules=rules, departments=departments, lookback_days=365,
        conflicts=list(conflicts), result=result, drawn_at="2023-03-30T09:00:00+08:00")


__all__ = ["CEREMONY", "DEPARTMENTS", "SECRET", "Conflict", "candidates", "code", "inspectors",
           "make_record"]


def c_module():
    """The C fast path itself, imported whatever SHUANGSUIJI_PURE_PYTHON says (tests compare it
    with the Python code); the test is skipped where it is not built."""
    return pytest.importorskip("shuangsuiji.rules.draw._fastpool",
                               reason="the C fast path is not built here")


def c_draw_order(c, identifiers, seed):
    """fast.draw_order by the C module `c`."""
    from shuangsuiji.rules.draw import fast

    buffer = ("\t_\n".join(identifiers) + "\t_\n").encode("utf-8")
    pool = fast._scan_c(c, buffer, seed, ("_",), False)
    return [identifiers[i] for i in fast.stratum_order(pool, "_", seed).tolist()]


def run_without_the_c_module(*tests):
    """pytest on `tests` (node IDs) in another process with SHUANGSUIJI_PURE_PYTHON=1 (read when
    fast.py is imported): the whole path in Python, as where the C module could not be
    built. Returns pytest's summary line."""
    env = dict(os.environ, SHUANGSUIJI_PURE_PYTHON="1")
    check = "from shuangsuiji.rules.draw import fast; assert fast._fastpool is None"
    subprocess.run([sys.executable, "-c", check], env=env, check=True)
    done = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-q",
                           "-p", "no:cacheprovider", *tests], cwd=Path(__file__).parents[3],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]
