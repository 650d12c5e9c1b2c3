"""Records verify; any edit is caught; replacements chain; the public version hides risk."""

import copy
import json

import pytest

from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw.engine import DrawFailed
from shuangsuiji.rules.draw.record import public_record, replacement_entry, targets_in_force
from shuangsuiji.rules.draw.verify import verify

from .helpers import Conflict, make_record


@pytest.fixture(scope="module")
def record():
    return make_record(conflicts=[Conflict("E001", "no-such-target", "kinship")])


def _replace(record, out, reason="已注销", at="2023-04-12T10:00:00+08:00"):
    entry = replacement_entry(record, out=out, reason=reason, at=at)
    record["replacements"].append(entry)
    return entry


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, (*path, index))
    else:
        yield path, value


def _edited(record, path, value):
    doc = copy.deepcopy(record)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if isinstance(value, bool):
        target[path[-1]] = not value
    elif isinstance(value, int):
        target[path[-1]] = value + 1
    else:
        target[path[-1]] = str(value) + "0"
    return doc


def test_a_fresh_record_verifies(record):
    assert verify(record) is None


def test_the_record_is_canonical_json_and_survives_a_round_trip(record):
    text = canonical_json(record)
    assert json.loads(text) == record
    assert "晋" not in text or "\\u" not in text  # non-ASCII written as itself
    assert verify(json.loads(text)) is None


def test_the_seed_task_draws_6_of_37_across_strata(record):
    assert record["pool"]["size"] == 37
    assert sum(s["k"] for s in record["strata"].values()) == len(record["drawn"])


def test_editing_any_field_fails_verification(record):
    doc = copy.deepcopy(record)
    _replace(doc, doc["drawn"][0]["id"])
    assert verify(doc) is None
    for path, value in _leaves(doc):
        assert verify(_edited(doc, path, value)) is not None, path


def test_removing_or_reordering_a_drawn_entry_fails(record):
    doc = copy.deepcopy(record)
    doc["drawn"] = doc["drawn"][1:]
    assert verify(doc) is not None
    doc = copy.deepcopy(record)
    doc["drawn"][0], doc["drawn"][1] = doc["drawn"][1], doc["drawn"][0]
    assert verify(doc) is not None


def test_a_pool_line_removed_is_caught(record):
    doc = copy.deepcopy(record)
    doc["pool"]["lines"].pop()
    problem = verify(doc)
    assert problem is not None and "target pool" in problem.reason


def test_replacement_takes_the_next_standby_of_the_same_stratum(record):
    doc = copy.deepcopy(record)
    out = doc["drawn"][0]
    entry = _replace(doc, out["id"])
    assert entry["in"] == doc["standby"][out["stratum"]][0]
    assert entry["prev"] == ""
    assert {g["department"] for g in entry["groups"]} == {"RFB", "XFZD"}
    assert out["id"] not in targets_in_force(doc) and entry["in"] in targets_in_force(doc)
    second = _replace(doc, doc["drawn"][1]["id"])
    assert second["prev"] == entry["digest"]
    assert second["in"] != entry["in"]
    assert verify(doc) is None


def test_replacing_a_target_twice_or_a_stranger_fails(record):
    doc = copy.deepcopy(record)
    out = doc["drawn"][0]["id"]
    _replace(doc, out)
    with pytest.raises(DrawFailed):
        _replace(doc, out)
    with pytest.raises(DrawFailed):
        _replace(doc, "91110000600037341L")


def test_a_forged_replacement_choice_is_caught(record):
    doc = copy.deepcopy(record)
    out = doc["drawn"][0]
    entry = replacement_entry(doc, out=out["id"], reason="迁出", at="2023-05-01T09:00:00+08:00")
    entry["in"] = doc["standby"][out["stratum"]][1]  # skip the first standby candidate
    from shuangsuiji.rules.draw.record import digest_without

    entry["digest"] = digest_without(entry, "digest")
    doc["replacements"].append(entry)
    assert verify(doc) is not None


def test_the_public_version_verifies_and_hides_risk_classes(record):
    doc = copy.deepcopy(record)
    _replace(doc, doc["drawn"][0]["id"])
    public = public_record(doc, risk_strata=True, verification="auditor")
    assert verify(public) is None
    assert "lines" not in public["pool"] and "lines" not in public["inspector_pool"]
    assert not {"strata", "rules", "standby"} & set(public)
    assert all("stratum" not in t for t in public["drawn"])
    assert public["record_digest"] == doc["record_digest"]
    for path, value in _leaves(public):
        assert verify(_edited(public, path, value)) is not None, path


def test_an_unstratified_public_record_keeps_its_strata():
    from .helpers import candidates

    doc = make_record(pool=candidates(37, "X"))
    public = public_record(doc, risk_strata=False, verification="public")
    assert public["strata"] == {"X": {"n": 37, "k": 6}}
    assert verify(public) is None


def test_a_repeated_id_in_the_pool_is_caught(record):
    doc = copy.deepcopy(record)
    line = doc["pool"]["lines"][0]
    ident = line.split("\t")[0]
    doc["pool"]["lines"].insert(1, ident + "\tZ")
    problem = verify(doc)
    assert problem is not None and "twice" in problem.reason
