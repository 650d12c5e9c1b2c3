"""The draw record (抽取记录, §6 and §8): building, digests, public version, replacements."""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

from ..canonical import canonical_json, sha256_hex
from ..errors import gettext_noop
from . import PROTOCOL_VERSION, spliced
from .engine import (
    Conflict,
    DepartmentSpec,
    DrawFailed,
    DrawnTarget,
    DrawResult,
    Group,
    GroupMatcher,
)
from .pools import PoolInspector, parse_inspector_line
from .sizes import StratumRule

Record = dict[str, Any]


def digest_without(document: Mapping[str, Any], key: str) -> str:
    return sha256_hex(canonical_json({k: v for k, v in document.items() if k != key}))


def build_record(*, task: Mapping[str, str], pool_lines: Sequence[str], pool_digest: str,
                 pool_strata: Mapping[str, int], inspector_lines: Sequence[str],
                 inspector_digest: str, server_secret: str, commitment: str,
                 ceremony_input: str, witnesses: Sequence[str], ceremony_source: str, seed: str,
                 rules: Mapping[str, StratumRule], departments: Sequence[DepartmentSpec],
                 lookback_days: int, conflicts: Sequence[Conflict], result: DrawResult,
                 drawn_at: str) -> Record:
    """The full record as drawn (replacements empty), with its record_digest.

    Pool lines are given without their trailing LF, as the record stores them.
    """
    record = record_layout(
        task=task, pool_digest=pool_digest, pool_size=len(pool_lines), pool_strata=pool_strata,
        pool_lines=pool_lines, inspector_lines=inspector_lines,
        inspector_digest=inspector_digest, server_secret=server_secret, commitment=commitment,
        ceremony_input=ceremony_input, witnesses=witnesses, ceremony_source=ceremony_source,
        seed=seed, rules=rules, strata=result.strata, drawn=result.drawn,
        standby={label: s.standby for label, s in result.strata.items()},
        departments=departments, lookback_days=lookback_days, conflicts=conflicts,
        groups=result.groups, drawn_at=drawn_at)
    record["record_digest"] = digest_without(record, "record_digest")
    return record


class StratumCount(Protocol):
    n: int
    k: int


def record_layout(*, task: Mapping[str, str], pool_digest: str, pool_size: int,
                  pool_strata: Mapping[str, int], pool_lines: Sequence[str],
                  inspector_lines: Sequence[str], inspector_digest: str, server_secret: str,
                  commitment: str, ceremony_input: str, witnesses: Sequence[str],
                  ceremony_source: str, seed: str, rules: Mapping[str, StratumRule],
                  strata: Mapping[str, StratumCount], drawn: Sequence[DrawnTarget],
                  standby: Mapping[str, Sequence[str]], departments: Sequence[DepartmentSpec],
                  lookback_days: int, conflicts: Sequence[Conflict], groups: Sequence[Group],
                  drawn_at: str) -> Record:
    """The full record as drawn (§8), without its record_digest: the one place its layout is
    written, for every pool size. The large-pool writer (bulk.py) passes each big array (the
    pool's lines, a standby list) as a one-sentinel list and splices its bytes in (spliced.py).
    """
    return {
        "protocol": PROTOCOL_VERSION,
        "task": dict(task),
        "pool": {"digest": pool_digest, "size": pool_size, "strata": dict(pool_strata),
                 "lines": list(pool_lines)},
        "inspector_pool": {"digest": inspector_digest, "size": len(inspector_lines),
                           "lines": list(inspector_lines)},
        "commitment": commitment,
        "server_secret": server_secret,
        "ceremony": {"input": ceremony_input, "witnesses": list(witnesses),
                     "source": ceremony_source},
        "seed": seed,
        "rules": {label: rule.as_json() for label, rule in sorted(rules.items())},
        "strata": {label: {"n": s.n, "k": s.k} for label, s in sorted(strata.items())},
        "drawn": [{"id": t.id, "stratum": t.stratum, "ticket": t.ticket, "position": t.position}
                  for t in drawn],
        "standby": {label: list(ids) for label, ids in sorted(standby.items())},
        "departments": [{"code": d.code, "officers": d.officers, "experts": d.experts}
                        for d in departments],
        "lookback_days": lookback_days,
        "conflicts": conflicts_for_record(conflicts),
        "groups": [group_json(g) for g in groups],
        "replacements": [],
        "drawn_at": drawn_at,
    }


def conflicts_for_record(conflicts: Sequence[Conflict]) -> list[dict[str, str]]:
    unique = sorted({(c.inspector, c.target, c.reason) for c in conflicts})
    return [{"inspector": i, "target": t, "reason": r} for i, t, r in unique]


def group_json(group: Group) -> dict[str, Any]:
    return {"target": group.target, "department": group.department,
            "inspectors": list(group.inspectors)}


PUBLIC_VERSION = "1.1"
PUBLIC, AUDITOR = "public", "auditor"  # §9's verification modes


def conflicts_digest(conflicts: Sequence[Mapping[str, str]]) -> str:
    """§9: what stands for the full record's `conflicts` list in the public version."""
    return sha256_hex(canonical_json(list(conflicts)))


def public_record(record: Record, *, risk_strata: bool, verification: str,
                  bodies: Mapping[str, bytes | memoryview] | None = None) -> Record:
    """The public version 1.1 of a full record (§9): what anyone may read.

    Never the pools' lines nor the conflicts (officers' private relationships); when the
    strata are credit-risk classes (信用风险分类结果不对外公开) nothing that tells a target's
    class: no strata, rules, standby lists, stratum or position, and the drawn targets and
    groups in the byte order of their IDs rather than in draw order. In `auditor`
    verification the server secret, the seed and the tickets stay out too: with the seed
    anyone could compute every ticket, and a high ticket marks a high-risk target.
    `bodies`: the big arrays of a record read by record_file.py, standing as sentinels.
    """
    if verification not in {PUBLIC, AUDITOR}:
        raise ValueError(f"unknown verification mode {verification!r}")
    shown = verification == PUBLIC
    public: Record = {
        key: record[key] for key in ("protocol", "task", "commitment", "ceremony",
                                     "departments", "lookback_days", "replacements",
                                     "drawn_at", "record_digest")
    }
    public["public"] = PUBLIC_VERSION
    public["verification"] = verification
    public["pool"] = {"digest": record["pool"]["digest"], "size": record["pool"]["size"]}
    public["inspector_pool"] = {"digest": record["inspector_pool"]["digest"],
                                "size": record["inspector_pool"]["size"]}
    if shown:
        public["server_secret"] = record["server_secret"]
        public["seed"] = record["seed"]
    if not risk_strata:
        public["pool"]["strata"] = record["pool"]["strata"]
        for key in ("rules", "strata", "standby"):
            public[key] = record[key]
    keep = {"id"} | ({"ticket"} if shown else set()) | (
        set() if risk_strata else {"stratum", "position"})
    public["drawn"] = sorted(({k: v for k, v in t.items() if k in keep} for t in record["drawn"]),
                             key=lambda t: t["id"].encode("utf-8"))
    public["conflicts_count"] = len(record["conflicts"])
    public["conflicts_digest"] = conflicts_digest(record["conflicts"])
    groups = list(record["groups"])
    if risk_strata:  # by target ID; a target's departments keep their order (stable sort)
        groups.sort(key=lambda g: g["target"].encode("utf-8"))
    public["groups"] = groups
    public["public_digest"] = spliced.digest(public, bodies or {})
    return public


def is_public_version(document: Mapping[str, Any]) -> bool:
    return "public" in document


# -- Replacement (替补) -------------------------------------------------------------------------

def groups_in_force(record: Record) -> list[dict[str, Any]]:
    """The groups after every replacement so far: replaced targets' groups released."""
    groups = list(record["groups"])
    for entry in record["replacements"]:
        groups = [g for g in groups if g["target"] != entry["out"]] + list(entry["groups"])
    return groups


def targets_in_force(record: Record) -> list[str]:
    targets = [t["id"] for t in record["drawn"]]
    for entry in record["replacements"]:
        targets = [entry["in"] if t == entry["out"] else t for t in targets]
    return targets


def stratum_of(record: Record, target: str) -> str:
    """The stratum of a target in force: drawn, or brought in from a standby list.

    Read from those lists rather than the pool's lines, so that a record whose big arrays
    stay on disk (verify_file.py, the stored records of large draws) needs only the first
    few standby candidates of each stratum.
    """
    for entry in record["drawn"]:
        if entry["id"] == target:
            return cast(str, entry["stratum"])
    for stratum, standby in record["standby"].items():
        if target in standby:
            return cast(str, stratum)
    raise DrawFailed(gettext_noop("{target} is not in this draw's pool"), target=target)


def next_standby(record: Record, out: str) -> str:
    """The first unused candidate of the replaced target's stratum (no new randomness)."""
    if out not in targets_in_force(record):
        raise DrawFailed(gettext_noop("{target} is not a drawn target of this task"), target=out)
    stratum = stratum_of(record, out)
    used = {t["id"] for t in record["drawn"]} | {e["in"] for e in record["replacements"]}
    for candidate in record["standby"].get(stratum, []):
        if candidate not in used:
            return cast(str, candidate)
    raise DrawFailed(gettext_noop("the standby list of stratum {stratum} is exhausted"),
                     stratum=stratum)


def replacement_entry(record: Record, *, out: str, reason: str, at: str) -> dict[str, Any]:
    """The next replacement entry (not yet appended): the standby target and its groups."""
    incoming = next_standby(record, out)
    inspectors = [parse_inspector_line(line) for line in record["inspector_pool"]["lines"]]
    loads: dict[str, int] = {}
    for group in groups_in_force(record):
        if group["target"] == out:
            continue
        for ident in group["inspectors"]:
            loads[ident] = loads.get(ident, 0) + 1
    matcher = GroupMatcher(inspectors, departments_of(record),
                           [Conflict(**c) for c in record["conflicts"]], record["seed"], loads)
    groups = [group_json(g) for g in matcher.groups_for(incoming)]
    prev = record["replacements"][-1]["digest"] if record["replacements"] else ""
    entry = {"out": out, "in": incoming, "reason": reason, "at": at, "groups": groups,
             "prev": prev}
    entry["digest"] = digest_without(entry, "digest")
    return entry


def departments_of(record: Record) -> list[DepartmentSpec]:
    return [DepartmentSpec(d["code"], d["officers"], d["experts"]) for d in record["departments"]]


def inspectors_of(record: Record) -> list[PoolInspector]:
    return [parse_inspector_line(line) for line in record["inspector_pool"]["lines"]]
