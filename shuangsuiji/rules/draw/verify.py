"""Verifying a draw record (protocol §7): OK, or the first discrepancy.

Needs nothing but the record: no database, no network.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ..canonical import canonical_json, sha256_hex
from ..errors import RuleError, gettext_noop
from . import PROTOCOL_VERSION
from .engine import Conflict, DrawFailed, DrawnTarget, GroupMatcher, ticket_order
from .pools import commitment, make_seed
from .record import (
    AUDITOR,
    PUBLIC,
    PUBLIC_VERSION,
    Record,
    departments_of,
    digest_without,
    group_json,
    inspectors_of,
    is_public_version,
    replacement_entry,
)
from .sizes import InvalidRule, StratumRule, sample_size
from .tickets import draw_order, ticket


class Discrepancy(RuleError):
    """The first point where a record disagrees with the protocol."""


def verify(record: Record) -> Discrepancy | None:
    return first_discrepancy(_verify, record)


def first_discrepancy(check: Callable[[Any], None], record: Any) -> Discrepancy | None:
    """`check(record)`'s discrepancy, with a malformed record reported as one."""
    try:
        check(record)
    except Discrepancy as exc:
        return exc
    except (KeyError, TypeError, ValueError, InvalidRule) as exc:
        if isinstance(exc, RuleError):
            return Discrepancy(exc.template, **exc.params)
        return Discrepancy(gettext_noop("the record is malformed: {error}"), error=repr(exc))
    return None


def _check(condition: bool, template: str, **params: Any) -> None:
    if not condition:
        raise Discrepancy(template, **params)


@dataclass
class Checks:
    """The parts of §7 that depend on how a record is held: as Python objects (here), or
    with its big arrays left as bytes in a file (verify_file.py)."""

    pools: Callable[[], Any]  # §1 on both pools; gives `strata` what it needs
    strata: Callable[[Any, str], None]  # §4, with that and the seed
    digest: Callable[[Record], str]  # SHA-256 of the canonical JSON of a document
    for_replacements: Callable[[], Record]  # the record as replacements need it


def check_record(record: Record, checks: Checks) -> None:
    """§7 in the order both ways report the first discrepancy."""
    _check(record.get("protocol") == PROTOCOL_VERSION,
           gettext_noop("unknown protocol version {version}"), version=record.get("protocol"))
    if is_public_version(record):
        _check_public(record, checks)
        return
    _check_commitment(record)
    public = "lines" not in record["pool"]
    pools = None if public else checks.pools()
    seed = _check_seed_and_tickets(record)
    if public:
        _check(checks.digest({k: v for k, v in record.items() if k != "public_digest"})
               == record.get("public_digest"),
               gettext_noop("the public digest does not match the record"))
    else:
        checks.strata(pools, seed)
        _verify_groups(record, seed)
        core = {k: v for k, v in record.items() if k not in {"public_digest", "record_digest"}}
        core["replacements"] = []
        _check(checks.digest(core) == record["record_digest"],
               gettext_noop("the record digest does not match the record"))
    _verify_replacements(checks.for_replacements(), full=not public)


def _check_commitment(record: Record) -> None:
    _check(commitment(record["server_secret"]) == record["commitment"],
           gettext_noop("the commitment does not match the server secret"))


def _check_seed_and_tickets(record: Record) -> str:
    """§3 and §4's tickets of the drawn targets; the seed."""
    seed = make_seed(record["server_secret"], record["ceremony"]["input"],
                     record["pool"]["digest"], record["inspector_pool"]["digest"])
    _check(seed == record["seed"], gettext_noop("the seed does not follow from its inputs"))
    for entry in record["drawn"]:
        _check(ticket(entry["id"], seed) == entry["ticket"],
               gettext_noop("the ticket of {target} is wrong"), target=entry["id"])
    return seed


def _verify(record: Record) -> None:
    check_record(record, Checks(
        pools=lambda: _verify_pools(record),
        strata=lambda _pools, seed: _verify_strata(record, seed),
        digest=lambda document: sha256_hex(canonical_json(document)),
        for_replacements=lambda: record))


def _verify_pools(record: Record) -> None:
    _verify_pool_lines(record["pool"], "target pool")
    _verify_pool_lines(record["inspector_pool"], "inspector pool")
    counts: dict[str, int] = {}
    for line in record["pool"]["lines"]:
        stratum = line[line.index("\t") + 1:]
        counts[stratum] = counts.get(stratum, 0) + 1
    _check(counts == record["pool"]["strata"],
           gettext_noop("the pool's stratum sizes do not match its lines"))


UNSORTED = gettext_noop("the {pool} lines are not sorted by their UTF-8 bytes, or an ID appears "
                        "twice")


def _verify_pool_lines(pool: Mapping[str, Any], name: str) -> None:
    lines = pool["lines"]
    # Comparing str by code point is comparing their UTF-8 bytes: no re-encoding needed.
    # Sorted lines put one ID's lines side by side, so a repeated ID is a neighbour.
    _check(all(a < b and not b.startswith(a[:a.index("\t") + 1]) for a, b in pairwise(lines)),
           UNSORTED, pool=name)
    _check(len(lines) == pool["size"], gettext_noop("the {pool} size is wrong"), pool=name)
    text = "\n".join(lines) + "\n" if lines else ""
    _check(sha256_hex(text) == pool["digest"],
           gettext_noop("the {pool} digest does not match its lines"), pool=name)


def _verify_strata(record: Record, seed: str) -> None:
    ids: dict[str, list[str]] = {label: [] for label in record["rules"]}
    for line in record["pool"]["lines"]:
        ident, stratum = line.split("\t")
        _check(stratum in ids, gettext_noop("no rule for stratum {stratum}"), stratum=stratum)
        ids[stratum].append(ident)
    _check(set(record["strata"]) == set(ids) == set(record["standby"]),
           gettext_noop("the strata of the record do not match its rules"))
    drawn: list[dict[str, Any]] = []
    for label in sorted(ids):
        k = stratum_size(record, label, len(ids[label]))
        order = draw_order(ids[label], seed)
        drawn.extend({"id": ident, "stratum": label, "ticket": ticket(ident, seed),
                      "position": pos} for pos, ident in enumerate(order[:k], start=1))
        _check(record["standby"][label] == order[k:],
               gettext_noop("the standby list of stratum {stratum} is wrong"), stratum=label)
    check_drawn(record, drawn)


def stratum_size(record: Record, label: str, n: int) -> int:
    """§4's k for a stratum of n candidates, checked against the record's `strata`."""
    k = sample_size(n, StratumRule.from_json(record["rules"][label]))
    _check(record["strata"][label] == {"n": n, "k": k},
           gettext_noop("stratum {stratum}: n or k is wrong (expected n={n}, k={k})"),
           stratum=label, n=n, k=k)
    return k


def check_drawn(record: Record, drawn: list[dict[str, Any]]) -> None:
    """The record's `drawn` list is the one recomputed, entry by entry."""
    for position, (expected, actual) in enumerate(zip(drawn, record["drawn"], strict=False)):
        _check(expected == actual, gettext_noop("drawn entry {index} should be {target}"),
               index=position + 1, target=expected["id"])
    _check(len(drawn) == len(record["drawn"]),
           gettext_noop("the record lists {actual} drawn targets, expected {expected}"),
           actual=len(record["drawn"]), expected=len(drawn))


def _verify_groups(record: Record, seed: str) -> None:
    conflicts = [Conflict(**c) for c in record["conflicts"]]
    matcher = GroupMatcher(inspectors_of(record), departments_of(record), conflicts, seed)
    expected: list[dict[str, Any]] = []
    targets = ticket_order(DrawnTarget(t["id"], t.get("stratum", ""), t["ticket"],
                                       t["position"]) for t in record["drawn"])
    try:
        for target in targets:
            expected.extend(group_json(g) for g in matcher.groups_for(target.id))
    except DrawFailed as exc:
        raise Discrepancy(exc.template, **exc.params) from exc
    for index, (want, got) in enumerate(zip(expected, record["groups"], strict=False)):
        _check(want == got, gettext_noop("group {index} ({target}, {department}) is wrong"),
               index=index + 1, target=want["target"], department=want["department"])
    _check(len(expected) == len(record["groups"]),
           gettext_noop("the record lists {actual} groups, expected {expected}"),
           actual=len(record["groups"]), expected=len(expected))


def _verify_replacements(record: Record, *, full: bool) -> None:
    prev = ""
    state = dict(record, replacements=[])
    for index, entry in enumerate(record["replacements"], start=1):
        _check(entry["prev"] == prev,
               gettext_noop("replacement {index} does not follow the previous one"), index=index)
        _check(digest_without(entry, "digest") == entry["digest"],
               gettext_noop("the digest of replacement {index} is wrong"), index=index)
        if full:
            try:
                expected = replacement_entry(state, out=entry["out"], reason=entry["reason"],
                                             at=entry["at"])
            except DrawFailed as exc:
                raise Discrepancy(exc.template, **exc.params) from exc
            _check(expected == entry,
                   gettext_noop("replacement {index} does not follow the standby list or the "
                                "group rule"), index=index)
        state["replacements"] = [*state["replacements"], entry]
        prev = entry["digest"]


# -- The public version 1.1 (§9) ------------------------------------------------------------

# What a verifier can check of a public record, by verification mode, and what only an
# auditor holding the full record can (shown by `draw verify` and the in-browser verifier).
CHECKED_ALWAYS = [
    gettext_noop("the public digest covers the whole public record"),
    gettext_noop("each replacement's digest, chained to the one before"),
]
CHECKED_PUBLIC = [
    gettext_noop("the commitment published before the draw matches the revealed server secret"),
    gettext_noop("the seed follows from the secret, the witnesses' input and both pool digests"),
    gettext_noop("the ticket of every drawn target follows from the seed"),
]
LEFT_TO_AUDITORS = [
    gettext_noop("that the pools hold every eligible candidate and inspector (their lines)"),
    gettext_noop("the draw order, the sample sizes and the standby lists"),
    gettext_noop("the inspector groups and the conflicts of interest behind them"),
    gettext_noop("the record digest, over the full record"),
]
LEFT_TO_AUDITORS_SECRET = [
    gettext_noop("the commitment, the seed and the tickets (the secret and the seed are not "
                 "public in auditor verification)"),
]
CHECK_BY_HAND = [
    gettext_noop("that the commitment and the pool digests in this record are those announced "
                 "before the draw, and the record digest the one published at the draw "
                 "(the task's public page and the audit anchors)"),
]


# The messages verify.js may report (the same checks, in the same order), translated by the
# page for it.
BROWSER_DISCREPANCIES = [
    gettext_noop("unknown protocol version {version}"),
    gettext_noop("unknown public record version {version}"),
    gettext_noop("unknown verification mode {mode}"),
    gettext_noop("the public digest does not match the record"),
    gettext_noop("a public record may not hold the pools' lines or the conflicts"),
    gettext_noop("the drawn targets of a public record are not in the order of their IDs"),
    gettext_noop("the record is malformed: {error}"),
    gettext_noop("a record for auditor verification may not publish the secret, the seed or "
                 "the tickets"),
    gettext_noop("the commitment does not match the server secret"),
    gettext_noop("the seed does not follow from its inputs"),
    gettext_noop("the ticket of {target} is wrong"),
    gettext_noop("replacement {index} does not follow the previous one"),
    gettext_noop("the digest of replacement {index} is wrong"),
]


@dataclass(frozen=True)
class PublicReport:
    """What a verifier checked of a public record, and what it could not."""

    verification: str
    checked: list[str]
    not_checked: list[str]
    by_hand: list[str]


def public_report(record: Record) -> PublicReport | None:
    """For a 1.1 public record that verified: what was checked; None for a full record."""
    if not is_public_version(record):
        return None
    shown = record.get("verification") == PUBLIC
    return PublicReport(
        verification=record["verification"],
        checked=(CHECKED_PUBLIC if shown else []) + CHECKED_ALWAYS,
        not_checked=([] if shown else LEFT_TO_AUDITORS_SECRET) + LEFT_TO_AUDITORS,
        by_hand=CHECK_BY_HAND)


_HIDDEN_IN_AUDITOR = ("server_secret", "seed")


def _check_public(record: Record, checks: Checks) -> None:
    _check(record["public"] == PUBLIC_VERSION,
           gettext_noop("unknown public record version {version}"), version=record["public"])
    mode = record["verification"]
    _check(mode in {PUBLIC, AUDITOR},
           gettext_noop("unknown verification mode {mode}"), mode=mode)
    _check(checks.digest({k: v for k, v in record.items() if k != "public_digest"})
           == record.get("public_digest"),
           gettext_noop("the public digest does not match the record"))
    _check("lines" not in record["pool"] and "lines" not in record["inspector_pool"]
           and "conflicts" not in record,
           gettext_noop("a public record may not hold the pools' lines or the conflicts"))
    ids = [entry["id"] for entry in record["drawn"]]
    _check(all(a.encode() < b.encode() for a, b in pairwise(ids)),
           gettext_noop("the drawn targets of a public record are not in the order of their "
                        "IDs"))
    # `type(...) is int`: JSON's true is a Python int too, and the browser verifier refuses it
    _check(type(record["conflicts_count"]) is int and record["conflicts_count"] >= 0,
           gettext_noop("the record is malformed: {error}"), error="conflicts_count")
    if mode == PUBLIC:
        _check_commitment(record)
        _check_seed_and_tickets(record)
    else:
        _check(not any(key in record for key in _HIDDEN_IN_AUDITOR)
               and not any("ticket" in entry for entry in record["drawn"]),
               gettext_noop("a record for auditor verification may not publish the secret, "
                            "the seed or the tickets"))
    _verify_replacements(checks.for_replacements(), full=False)
