"""The file verifier (big arrays kept as bytes) reaches the verdict verify.verify() reaches."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw import fast, record_file
from shuangsuiji.rules.draw.record import public_record, replacement_entry
from shuangsuiji.rules.draw.sizes import StratumRule
from shuangsuiji.rules.draw.verify import verify
from shuangsuiji.rules.draw.verify_file import split_record, verify_bytes, verify_path

from .helpers import Conflict, candidates, make_record, run_without_the_c_module
from .test_record import _edited, _leaves


def _replaced(record, times=1):
    doc = copy.deepcopy(record)
    for entry in doc["drawn"][:times]:
        doc["replacements"].append(replacement_entry(doc, out=entry["id"], reason="已注销",
                                                     at="2023-04-12T10:00:00+08:00"))
    return doc


@pytest.fixture(scope="module")
def record():
    return _replaced(make_record(conflicts=[Conflict("E001", "no-such-target", "kinship")]), 2)


def _same_verdict(doc):
    data = canonical_json(doc).encode("utf-8")
    expected, got = verify(doc), verify_bytes(data)
    assert (expected is None) == (got is None), (expected, got)
    if expected is not None:
        assert got.template == expected.template, (expected, got)
    return got


def test_a_record_is_verified_with_its_big_arrays_as_bytes(record):
    split = split_record(canonical_json(record).encode("utf-8"))
    assert split is not None and len(split.bodies) == 1 + len(record["standby"])
    assert split.head["pool"]["lines"] != record["pool"]["lines"]
    assert verify_bytes(canonical_json(record).encode("utf-8")) is None


def test_every_edit_is_caught_with_the_same_first_discrepancy(record):
    for path, value in _leaves(record):
        assert _same_verdict(_edited(record, path, value)) is not None, path


def test_every_edit_of_the_public_version_is_caught(record):
    public = public_record(record, risk_strata=True, verification="auditor")
    assert _same_verdict(public) is None
    for path, value in _leaves(public):
        assert _same_verdict(_edited(public, path, value)) is not None, path
    unstratified = public_record(_replaced(make_record(pool=candidates(60, "X"))),
                                 risk_strata=False, verification="public")
    assert split_record(canonical_json(unstratified).encode()).bodies  # the standby list
    assert _same_verdict(unstratified) is None
    for path, value in _leaves(unstratified):
        assert _same_verdict(_edited(unstratified, path, value)) is not None, path


@pytest.mark.parametrize("change", ["drop", "repeat", "swap", "stratum", "no-tab", "add"])
def test_pool_lines_changed_are_caught(record, change):
    doc = copy.deepcopy(record)
    lines = doc["pool"]["lines"]
    if change == "drop":
        lines.pop(5)
    elif change == "repeat":
        lines.insert(4, lines[3].split("\t")[0] + "\tZ")
    elif change == "swap":
        lines[3], lines[4] = lines[4], lines[3]
    elif change == "stratum":
        lines[3] = lines[3].split("\t")[0] + "\tB"
    elif change == "no-tab":
        lines[3] = lines[3].replace("\t", "")
    else:
        lines.append("Z" * 18 + "\tA")
    assert _same_verdict(doc) is not None


def test_a_standby_list_changed_by_one_byte_is_caught(record):
    doc = copy.deepcopy(record)
    label = max(doc["standby"], key=lambda s: len(doc["standby"][s]))
    standby = doc["standby"][label]
    standby[-1], standby[-2] = standby[-2], standby[-1]
    problem = _same_verdict(doc)
    assert problem is not None and problem.params["stratum"] == label


def test_records_not_in_plain_form_take_the_ordinary_way(record):
    doc = make_record(pool=candidates(40, "A甲"),
                      rules={"A": StratumRule(ratio="15"), "甲": StratumRule(count=2)})
    data = canonical_json(doc).encode("utf-8")
    assert split_record(data) is None  # non-ASCII in the pool's lines
    assert verify_bytes(data) is None
    assert _same_verdict(_edited(doc, ("pool", "lines", 3), doc["pool"]["lines"][3])) is not None
    outside = canonical_json(record).replace('"lines":[', '"lines": [').encode()
    assert split_record(outside) is None and verify_bytes(outside) is None  # not canonical
    inside = canonical_json(record).replace('"lines":["', '"lines":[ "').encode()
    assert split_record(inside) is None and verify_bytes(inside) is None


def test_a_large_file_is_verified_from_disk(tmp_path):
    doc = _replaced(make_record(pool=candidates(30000)), 3)
    path = tmp_path / "record.json"
    path.write_text(canonical_json(doc), encoding="utf-8")
    assert path.stat().st_size > (1 << 20)
    assert verify_path(path) is None
    doc["standby"]["C"][100] = doc["standby"]["C"][101]
    path.write_text(canonical_json(doc), encoding="utf-8")
    problem = verify_path(path)
    assert problem is not None and problem.params == {"stratum": "C"}


@pytest.mark.skipif(not fast.AVAILABLE, reason="without the C module the tests above are this")
def test_the_file_verifier_reaches_the_same_verdicts_without_the_c_module():
    """Records split, checked and verified in Python (plain_arrays.py, fast.py)."""
    summary = run_without_the_c_module(__file__ + "::test_a_large_file_is_verified_from_disk",
                                       __file__ + "::test_pool_lines_changed_are_caught",
                                       __file__ + "::test_records_not_in_plain_form_take_the_"
                                       "ordinary_way")
    assert summary.startswith("8 passed"), summary


# -- Splitting a file: its big arrays are found by their place, and the check after it makes
# any file, however hostile, read as json.loads reads it, or not split at all.

def _split_reads_as_json(data):
    split = split_record(data)
    if split is not None:
        rebuilt = b"".join(record_file.chunks(split.head, split.bodies))
        assert json.loads(rebuilt) == json.loads(data), data[:200]
    return split


@pytest.fixture(scope="module")
def small_text():
    return canonical_json(_replaced(make_record(pool=candidates(24)), 1)).encode()


PIECES = [b'"pool":{"digest":"' + b"a" * 64 + b'","lines":[', b'"standby":{', b'"A":[',
          b'"A":["91X"],', b'"]', b'"],', b"]", b"}", b"{", b",", b'"', b"\\", b'\\"', b" ",
          b'"standby":{"A":[]},', b'"st\\u0061ndby":{"A":["x"]},', b'"lines":["x\\tA"],',
          b'"pool":{"lines":[]},', b"\xe7\x94\xb2", b"\\t"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_split_file_always_reads_as_json_reads_it(small_text, data):
    at = data.draw(st.integers(0, len(small_text)))
    end = data.draw(st.integers(at, min(len(small_text), at + 40)))
    piece = b"".join(data.draw(st.lists(st.sampled_from(PIECES), max_size=3)))
    _split_reads_as_json(small_text[:at] + piece + small_text[end:])


def test_hostile_layouts_are_read_whole_or_as_json_reads_them(record):
    text = canonical_json(record)
    at = text.index(',"standby":')
    standby = text[at:text.index(',"strata":')]
    variants = [
        text[:-1] + standby + "}",  # a second standby object: json.loads keeps the last
        text[:-1] + standby.replace('"standby"', '"st\\u0061ndby"') + "}",  # the same key
        text.replace(standby, "").replace('{"ceremony"', "{" + standby[1:] + ',"ceremony"'),
        text.replace('"protocol"', '"x":"\\"pool\\":{\\"digest\\":\\"","protocol"'),
        text.replace('","', '"]', 1),
        text[:len(text) // 2],
    ]
    for variant in variants:
        data = variant.encode()
        _split_reads_as_json(data)
        try:
            whole = verify(json.loads(data))
        except json.JSONDecodeError:
            continue
        got = verify_bytes(data)
        assert (whole is None) == (got is None) and (got is None or got.template == whole.template)


def test_ids_holding_a_bracket_are_split_and_verified():
    """An array body ends at a "]" after a quote; one inside an ID is passed over."""
    from shuangsuiji.rules.draw.pools import Candidate

    pool = candidates(40) + [Candidate(f"X-]{i}]", "ABCD"[i % 4]) for i in range(12)]
    doc = _replaced(make_record(pool=pool))
    data = canonical_json(doc).encode()
    split = split_record(data)
    assert split is not None and len(split.bodies) == 1 + len(doc["standby"])
    assert any(b"]" in bytes(body).replace(b'"]', b"") for body in split.bodies.values())
    assert verify_bytes(data) is None
    _split_reads_as_json(data)
