"""Version 1.1 of the public record (protocol §9) and what `draw verify` says of it."""

import copy
import json

import pytest

from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw.cli import verify_main
from shuangsuiji.rules.draw.engine import Conflict
from shuangsuiji.rules.draw.record import digest_without, public_record
from shuangsuiji.rules.draw.verify import verify

from .helpers import candidates, code, make_record


@pytest.fixture
def full():
    return make_record(conflicts=[Conflict("E001", code(0), "kinship")])


def _reseal(doc: dict) -> dict:
    doc["public_digest"] = digest_without(doc, "public_digest")
    return doc


def test_it_lists_drawn_targets_by_id_without_classes_in_auditor_mode(full):
    public = public_record(full, risk_strata=True, verification="auditor")
    ids = [t["id"] for t in public["drawn"]]
    assert ids == sorted(t["id"] for t in full["drawn"])
    assert all(set(t) == {"id"} for t in public["drawn"])
    assert [g["target"] for g in public["groups"]] == sorted(g["target"] for g in full["groups"])
    assert public["conflicts_count"] == 1 and "conflicts" not in public
    assert public["record_digest"] == full["record_digest"]
    assert verify(public) is None


@pytest.mark.parametrize("forged", [
    lambda d: d.update(seed="0" * 64),  # a seed slipped into an auditor record
    lambda d: d["drawn"][0].update(ticket="0.1"),
    lambda d: d["drawn"].reverse(),  # draw order rather than ID order
    lambda d: d.update(conflicts=[]),
])
def test_it_refuses_an_auditor_record_that_publishes_too_much(full, forged):
    public = public_record(full, risk_strata=True, verification="auditor")
    forged(public)
    assert verify(_reseal(public)) is not None


def test_it_checks_tickets_and_seed_in_public_mode(full):
    public = public_record(full, risk_strata=False, verification="public")
    assert verify(public) is None
    assert public["strata"] == full["strata"] and public["standby"] == full["standby"]
    changed = copy.deepcopy(public)
    changed["drawn"][0]["ticket"] = public["drawn"][1]["ticket"]
    problem = verify(_reseal(changed))
    assert problem is not None and changed["drawn"][0]["id"] in problem.reason


def test_the_command_line_says_what_it_checked_and_what_it_could_not(full, tmp_path, capsys):
    path = tmp_path / "public.json"
    path.write_text(canonical_json(public_record(full, risk_strata=True,
                                                 verification="auditor")))
    assert verify_main([str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK\n") and "审计验证" in out
    assert "未能核验" in out and "种子" in out  # the seed is left to auditors
    path.write_text(canonical_json(public_record(full, risk_strata=False,
                                                 verification="public")))
    assert verify_main([str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "the ticket of every drawn target follows from the seed" in out
    doc = json.loads(path.read_text())
    doc["witnesses_extra"] = "x"  # anything added breaks the public digest
    path.write_text(json.dumps(doc, ensure_ascii=False))
    assert verify_main([str(path)]) == 1


def test_a_large_unstratified_public_record_keeps_its_standby_list():
    full = make_record(pool=candidates(500, "X"))
    public = public_record(full, risk_strata=False, verification="public")
    assert len(public["standby"]["X"]) == 500 - full["strata"]["X"]["k"]
    assert verify(public) is None
