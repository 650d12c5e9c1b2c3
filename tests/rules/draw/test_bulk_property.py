"""Property: the large-pool path and the reference draw write the same record, byte for byte.

Hypothesis draws pools (IDs of one length or of many, one stratum or several), rules (counts
and ratios), conflicts of interest and replacements, and runs each through both paths:
engine.run_draw + record.build_record + canonical JSON, and bulk.bulk_draw + write_record (the
big arrays made as bytes), then replaces targets in both (the large path from the record file,
as the platform does for large draws). Both must agree on every byte, every replacement, and
every failure; both records must verify.
"""

import io
import string

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw.bulk import bulk_draw, write_record
from shuangsuiji.rules.draw.engine import Conflict, DepartmentSpec, DrawFailed
from shuangsuiji.rules.draw.pools import Candidate, candidate_line, inspector_line, sorted_lines
from shuangsuiji.rules.draw.record import replacement_entry
from shuangsuiji.rules.draw.record_file import split_record, state_for_replacements
from shuangsuiji.rules.draw.sizes import StratumRule
from shuangsuiji.rules.draw.verify import verify
from shuangsuiji.rules.draw.verify_file import verify_bytes

from .helpers import CEREMONY, SECRET, code, inspectors, make_record

LABELS = ["A", "B", "C", "D", "ALL"]
ID_CHARS = string.ascii_uppercase + string.digits + "-"


@st.composite
def pools(draw: st.DrawFn) -> list[Candidate]:
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True))
    if draw(st.booleans()):  # 统一社会信用代码: every line as long
        ids = [code(i) for i in draw(st.sets(st.integers(0, 99_999), min_size=1, max_size=60))]
    else:  # IDs of many lengths: found through their offsets
        ids = draw(st.sets(st.text(ID_CHARS, min_size=1, max_size=24), min_size=1, max_size=60))
    return [Candidate(ident, draw(st.sampled_from(labels))) for ident in sorted(ids)]


rule = st.one_of(
    st.builds(StratumRule, count=st.integers(0, 8)),
    st.builds(StratumRule, ratio=st.sampled_from(["0", "2.5", "15", "33.3", "50", "100"])))


@st.composite
def draws(draw: st.DrawFn) -> dict:
    pool = draw(pools())
    labels = sorted({c.stratum for c in pool}) or ["ALL"]
    rules = {label: draw(rule) for label in labels}
    people = inspectors()
    departments = draw(st.sampled_from([
        [DepartmentSpec("RFB", 2, 1), DepartmentSpec("XFZD", 2, 0)],
        [DepartmentSpec("RFB", 3, 0)],
        [DepartmentSpec("XFZD", 4, 0), DepartmentSpec("RFB", 2, 2)],
    ]))
    conflicts = draw(st.lists(st.builds(
        Conflict, inspector=st.sampled_from([p.id for p in people]),
        target=st.sampled_from([c.id for c in pool] or ["NONE"]),
        reason=st.sampled_from(["kinship", "interest", "prior"])), max_size=12))
    replaced = draw(st.lists(st.integers(0, 1000), max_size=4))
    return {"pool": pool, "rules": rules, "departments": departments, "conflicts": conflicts,
            "replaced": replaced}


def reference_record(case: dict) -> dict:
    return make_record(pool=case["pool"], rules=case["rules"], conflicts=case["conflicts"],
                       departments=case["departments"])


def bulk_record(case: dict, reference: dict) -> bytes:
    buffer = "".join(sorted_lines(candidate_line(c) for c in case["pool"])).encode()
    draw = bulk_draw(pool_buffer=buffer, seed=reference["seed"], rules=case["rules"],
                     inspectors=inspectors(), departments=case["departments"],
                     conflicts=case["conflicts"])
    out = io.BytesIO()
    write_record(
        out, draw=draw, task=reference["task"], pool_digest=reference["pool"]["digest"],
        inspector_lines=[line.rstrip("\n") for line in sorted_lines(
            inspector_line(i) for i in inspectors())],
        inspector_digest=reference["inspector_pool"]["digest"], server_secret=SECRET,
        commitment=reference["commitment"], ceremony_input=CEREMONY,
        witnesses=reference["ceremony"]["witnesses"],
        ceremony_source=reference["ceremony"]["source"], seed=reference["seed"],
        rules=case["rules"], departments=case["departments"], lookback_days=365,
        conflicts=case["conflicts"], drawn_at=reference["drawn_at"],
        pool_strata=reference["pool"]["strata"])
    return out.getvalue()


def outcome(make):
    """What a path gives: its value, or the failure it names (template and parameters)."""
    try:
        return make()
    except DrawFailed as failure:
        return ("DrawFailed", failure.template, failure.params)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draws())
def test_the_bulk_path_writes_the_reference_record_byte_for_byte(case):
    reference = outcome(lambda: reference_record(case))
    if isinstance(reference, tuple):  # a target cannot get its group: both paths fail alike
        event("the draw fails")
        assert outcome(lambda: bulk_record(case, make_record(
            pool=case["pool"], rules=case["rules"], conflicts=(),
            departments=case["departments"]))) == reference
        return
    data = bulk_record(case, reference)
    event(f"{len(reference['drawn'])} drawn" if len(reference["drawn"]) < 3 else "3+ drawn")
    assert data == canonical_json(reference).encode("utf-8")
    assert verify(reference) is None and verify_bytes(data) is None

    # Replacements: from the record in memory, and from the record file as large draws do.
    split = split_record(data)
    targets = [t["id"] for t in reference["drawn"]]
    for pick in case["replaced"]:
        if not targets:
            break
        out = targets.pop(pick % len(targets))
        at = f"2023-04-0{len(reference['replacements']) + 1}T10:00:00+08:00"
        expected = outcome(lambda out=out, at=at: replacement_entry(
            reference, out=out, reason="closed", at=at))
        state = (state_for_replacements(split, reference["replacements"]) if split is not None
                 else dict(reference))
        assert outcome(lambda out=out, at=at, state=state: replacement_entry(
            state, out=out, reason="closed", at=at)) == expected
        if isinstance(expected, tuple):
            event("a replacement fails")
            break
        event("a target is replaced")
        reference["replacements"].append(expected)
        targets.append(expected["in"])
    assert verify(reference) is None


@pytest.mark.parametrize("n", [0, 1])
def test_an_empty_or_single_pool_is_written_alike(n):
    case = {"pool": [Candidate(code(i), "ALL") for i in range(n)],
            "rules": {"ALL": StratumRule(count=1)},
            "departments": [DepartmentSpec("RFB", 2, 0)], "conflicts": [], "replaced": []}
    reference = reference_record(case)
    assert bulk_record(case, reference) == canonical_json(reference).encode("utf-8")
