"""`shuangsuiji draw export` and `shuangsuiji draw verify`, end to end."""

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuangsuiji.draws.services import draw_execute, task_freeze

from .conftest import DRAW_AT


@pytest.fixture
def drawn_task(world, seed_task, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: DRAW_AT)
    task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    draw_execute(actor=world.users["office"], task=seed_task, ceremony_input="1" * 20,
                 witnesses=["王新根"], source="十面骰子")
    return seed_task


def _verify(tmp_path, text, *flags):
    path = tmp_path / "record.json"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "shuangsuiji.cli", "draw", "verify", str(path),
                           *flags], capture_output=True, text=True, check=False)


def test_export_writes_the_canonical_record_that_verifies(drawn_task, tmp_path, capsys):
    call_command("draw", "export", drawn_task.code)
    text = capsys.readouterr().out
    record = json.loads(text)
    assert record["task"]["code"] == drawn_task.code and "lines" in record["pool"]
    result = _verify(tmp_path, text)
    assert result.returncode == 0 and result.stdout.strip() == "OK"


def test_the_public_export_has_no_pool_lines_and_verifies(drawn_task, tmp_path, capsys):
    call_command("draw", "export", drawn_task.code, "--public")
    text = capsys.readouterr().out
    assert "lines" not in json.loads(text)["pool"]
    assert _verify(tmp_path, text).returncode == 0


def test_verify_names_the_first_discrepancy(drawn_task, tmp_path, capsys):
    call_command("draw", "export", drawn_task.code)
    record = json.loads(capsys.readouterr().out)
    record["ceremony"]["input"] = "2" * 20
    result = _verify(tmp_path, json.dumps(record), "--lang", "en")
    assert result.returncode == 1
    assert "seed does not follow" in result.stdout


def test_export_of_an_unknown_or_undrawn_task_fails(seed_task):
    with pytest.raises(CommandError):
        call_command("draw", "export", "NO-SUCH-TASK")
    with pytest.raises(CommandError):
        call_command("draw", "export", seed_task.code)


def test_export_of_a_record_kept_as_a_file_streams_it_with_its_replacements(
        world, seed_task, monkeypatch, tmp_path, capsysbinary):
    from django.utils import timezone

    from shuangsuiji.draws import services
    from shuangsuiji.draws.services import draw_replace, record_for_export
    from shuangsuiji.rules.canonical import canonical_json

    monkeypatch.setattr(timezone, "now", lambda: DRAW_AT)
    monkeypatch.setattr(services, "BULK_DRAW_FROM", 0)  # the bulk path: a record file
    task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    draw = draw_execute(actor=world.users["office"], task=seed_task, ceremony_input="1" * 20,
                        witnesses=["王新根"], source="十面骰子")
    assert not draw.record_file  # made by the first export or replacement that needs it
    draw_replace(actor=world.users["office"], task=seed_task,
                 ident=record_for_export(seed_task, public=False)["drawn"][0]["id"],
                 reason="已注销")
    call_command("draw", "export", seed_task.code)
    out = capsysbinary.readouterr().out
    record = record_for_export(seed_task, public=False)
    assert out == canonical_json(record).encode() + b"\n" and len(record["replacements"]) == 1
    path = tmp_path / "record.json"
    path.write_bytes(out)
    result = subprocess.run([sys.executable, "-m", "shuangsuiji.cli", "draw", "verify",
                             str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "OK"
