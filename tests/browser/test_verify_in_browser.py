"""The 验证抽取 page checks a public draw record in the browser exactly as the command-line
verifier (`shuangsuiji.rules.draw.verify`) does: OK for the record as published, a
discrepancy for each tampered copy, and none of them with the server's help."""

import copy
import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsuiji.draws.services import record_for_export
from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw.record import digest_without
from shuangsuiji.rules.draw.verify import verify

from .conftest import DESKTOP

pytestmark = [pytest.mark.browser]


def _flip(hex_text: str) -> str:
    return ("1" if hex_text[0] != "1" else "2") + hex_text[1:]


def _resealed(record: dict) -> dict:
    """A forgery done properly: the public digest recomputed over the changed record."""
    record["public_digest"] = digest_without(record, "public_digest")
    return record


def variants(public: dict) -> dict[str, str]:
    """The record as published, and tampered copies, as the texts a user would paste."""
    out: dict[str, dict | str] = {"published": public}

    def changed(name: str, change) -> None:
        record = copy.deepcopy(public)
        change(record)
        out[name] = record

    changed("ticket", lambda r: r["drawn"][0].update(ticket=r["drawn"][0]["ticket"][:-1] + "0"
                                                     if not r["drawn"][0]["ticket"].endswith("0")
                                                     else r["drawn"][0]["ticket"][:-1] + "1"))
    changed("ticket resealed", lambda r: _resealed(r) if r["drawn"][1].update(
        ticket=r["drawn"][0]["ticket"]) is None else None)
    changed("seed", lambda r: r.update(seed=_flip(r["seed"])))
    changed("secret", lambda r: r.update(server_secret=_flip(r["server_secret"])))
    changed("secret and commitment", lambda r: r.update(
        server_secret=_flip(r["server_secret"]),
        commitment=__import__("hashlib").sha256(_flip(r["server_secret"]).encode()).hexdigest()))
    changed("ceremony input", lambda r: r["ceremony"].update(input="11111111111111111111"))
    changed("witness", lambda r: r["ceremony"]["witnesses"].append("赵六"))
    changed("witness resealed", lambda r: _resealed(r) if r["ceremony"]["witnesses"].append(
        "赵六") is None else None)
    changed("drawn id", lambda r: r["drawn"][0].update(id=r["drawn"][1]["id"]))
    changed("position", lambda r: r["drawn"][0].update(position=r["drawn"][0]["position"] + 1))
    changed("protocol", lambda r: r.update(protocol="2"))
    changed("no digest", lambda r: r.pop("public_digest"))
    changed("no secret", lambda r: r.pop("server_secret"))
    changed("float position", lambda r: _resealed(r) if r["drawn"][0].update(
        position=float(r["drawn"][0]["position"])) is None else None)
    texts = {name: json.dumps(rec, ensure_ascii=False) for name, rec in out.items()}
    texts["canonical"] = canonical_json(public)
    texts["indented"] = json.dumps(public, ensure_ascii=False, indent=2)
    texts["escaped"] = json.dumps(public, ensure_ascii=True)
    # 1.0 and 1 are one number to JavaScript but not to Python's digest
    texts["float written"] = texts["canonical"].replace('"position":1,', '"position":1.0,', 1)
    return texts


def test_the_browser_verifier_agrees_with_the_command_line_one(browser, drawn_task, live_server,
                                                                shots):
    task = drawn_task.task
    public = record_for_export(task, public=True)
    assert verify(public) is None
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Anyone, signed out: the record fetched from the task's public address.
    page.goto(live_server.url + reverse("portal:verify") + f"?task={task.code}")
    page.click("#record-fetch")
    result = page.locator("#verify-result")
    expect(result).to_have_attribute("data-state", "ok")
    expect(result).to_have_text("核验通过：该记录与抽取规则完全一致。")
    expect(page.locator("#verify-steps")).to_contain_text("个抽中对象的抽签值均由种子算出")
    shots(page, "portal-verify-ok")

    compared = []
    for name, text in variants(public).items():
        cli = verify(json.loads(text))
        browser_result = page.evaluate("t => window.shuangsuijiVerify.verifyText(t)", text)
        compared.append((name, cli is None, browser_result["ok"]))
        assert (cli is None) == (browser_result["ok"] is True), (
            name, str(cli.template if cli else "OK"), browser_result["message"])
        if cli is not None:
            assert browser_result["ok"] is False, name
    # What the public version binds: a witness added and resealed passes both (only the full
    # record's digest covers witnesses), as does a float resealed as Python writes it.
    assert {n for n, ok, _b in compared if ok} == {
        "published", "canonical", "indented", "escaped", "witness resealed", "float position"}
    assert len(compared) == 19

    # Pasting a tampered record into the page shows the discrepancy, in Chinese.
    tampered = variants(public)["ticket resealed"]
    page.fill("#record-text", tampered)
    page.click("#verify-run")
    expect(result).to_have_attribute("data-state", "bad")
    expect(result).to_contain_text(public["drawn"][1]["id"])
    expect(result).to_contain_text("抽签值")
    shots(page, "portal-verify-bad")
    context.close()


def test_the_verify_page_reads_without_javascript(browser, drawn_task, live_server):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("portal:verify") + f"?task={drawn_task.task.code}")
    assert page.locator("#verify-nojs").is_visible()
    assert not page.locator("#verify-js").is_visible()
    link = page.locator("a[href$='record.json?download=1']")
    assert link.count() == 1
    context.close()


def test_an_auditor_verified_record_says_what_the_public_can_and_cannot_check(
        browser, drawn_task, live_server, shots):
    from shuangsuiji.plans.models import InspectionTask

    task = drawn_task.task
    InspectionTask.objects.filter(pk=task.pk).update(verification="auditor")
    task.refresh_from_db()
    public = record_for_export(task, public=True)
    assert public["verification"] == "auditor" and "seed" not in public
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + reverse("portal:verify") + f"?task={task.code}")
    page.click("#record-fetch")
    expect(page.locator("#verify-result")).to_have_attribute("data-state", "ok")
    left = page.locator("#verify-left")
    expect(left).to_be_visible()
    expect(left).to_contain_text("审计验证")
    expect(left).to_contain_text("种子")  # the seed is for auditors to check
    expect(page.locator("#verify-steps")).to_contain_text("公开摘要")
    shots(page, "portal-verify-auditor")
    # The task's public page: no secret, no seed, no ticket; says who verifies
    page.goto(live_server.url + reverse("portal:task", args=[task.code]))
    body = page.locator("main").inner_text()
    full = record_for_export(task, public=False)
    assert full["seed"] not in body and full["server_secret"] not in body
    assert "审计验证" in body
    shots(page, "portal-task-auditor")
    context.close()
