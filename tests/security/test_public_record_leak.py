"""The attack of issue #6 §1, as a script: from what the public may read of a draw (the
public record as the portal, the public API and `draw export --public` give it, and the
task's public page), recover each drawn target's credit-risk class and the officers'
conflicts of interest. Against version 1.0 of the public record it recovered all 8 classes
of the demo's RFB-2023-ZX01; against 1.1 (protocol §9) every strategy must come back empty.

The attacker is shown to work: run on the full record (what auditors get) it recovers every
class, so an empty answer on the public version means the version hides them.
"""

import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from shuangsuiji.draws.services import draw_execute, record_for_export
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.canonical import canonical_json, sha256_hex
from shuangsuiji.rules.draw.engine import Conflict
from shuangsuiji.rules.draw.record import public_record
from shuangsuiji.rules.draw.sizes import StratumRule
from shuangsuiji.rules.draw.tickets import ticket
from shuangsuiji.rules.draw.verify import verify
from tests.rules.draw.helpers import candidates, code, make_record

pytestmark = pytest.mark.django_db
RATIOS = {"A": "5", "B": "10", "C": "30", "D": "100"}  # what an attacker reads in the plan


# -- The attacker -----------------------------------------------------------------------------

def by_stratum_field(doc: dict) -> dict[str, str]:
    return {t["id"]: t["stratum"] for t in doc.get("drawn", []) if "stratum" in t}


def by_positions(doc: dict) -> dict[str, str]:
    """1.0's leak: `position` restarts at 1 in each stratum, strata in label order, and the
    pool's strata name the labels."""
    labels = sorted(doc.get("pool", {}).get("strata", {}) or doc.get("strata", {}))
    drawn = doc.get("drawn", [])
    if not labels or not drawn or any("position" not in t for t in drawn):
        return {}
    runs, label_index = {}, -1
    for entry in drawn:
        if entry["position"] == 1:
            label_index += 1
        if 0 <= label_index < len(labels):
            runs[entry["id"]] = labels[label_index]
    return runs


def by_list_order(doc: dict) -> dict[str, str]:
    """The drawn list (or the groups) in draw order, cut by the published k of each stratum."""
    strata = doc.get("strata") or {}
    if not strata:
        return {}
    ids = [t["id"] for t in doc.get("drawn", [])]
    out, at = {}, 0
    for label in sorted(strata):
        k = strata[label].get("k", 0)
        out.update({ident: label for ident in ids[at:at + k]})
        at += k
    return out


def by_ticket_ranges(doc: dict) -> dict[str, str]:
    """A target's ticket above the share of every lower-ratio stratum can only have been
    drawn from a stratum with a higher ratio: with the seed, tickets can be computed for any
    listed ID even if the record leaves them out."""
    seed = doc.get("seed")
    out = {}
    for entry in doc.get("drawn", []):
        value = entry.get("ticket") or (ticket(entry["id"], seed) if seed else None)
        if value is None:
            continue
        fraction = Decimal(value)
        possible = [label for label, ratio in RATIOS.items()
                    if fraction <= Decimal(ratio) / 100 * Decimal("1.5")]
        if len(possible) == 1:
            out[entry["id"]] = possible[0]
    return out


def by_group_order(doc: dict) -> dict[str, str]:
    """Groups listed by ticket put the targets of high-ratio strata last: any order other
    than the byte order of the IDs carries information."""
    targets = list(dict.fromkeys(g["target"] for g in doc.get("groups", [])))
    if targets == sorted(targets, key=lambda t: t.encode()):
        return {}
    # The last third of the groups in ticket order: the most likely high-risk targets.
    return {t: "D" for t in targets[len(targets) * 2 // 3:]}


STRATEGIES = [by_stratum_field, by_positions, by_list_order, by_ticket_ranges, by_group_order]


def recover(doc: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for strategy in STRATEGIES:
        found.update(strategy(doc))
    return found


class _Cells(HTMLParser):
    """The drawn-targets table of the public task page: each row's cells as text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.heads: list[str] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in {"td", "th"}:
            self._cell = []
            self._in_head = tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None:
            text = "".join(self._cell).strip()
            (self.heads if self._in_head else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_leaks(html: str, full: dict) -> list[str]:
    """What the public page shows that it may not, from the full record's point of view."""
    leaks = []
    if full["server_secret"] in html or full["seed"] in html:
        leaks.append("secret or seed")
    leaks += [f"ticket of {t['id']}" for t in full["drawn"] if t["ticket"][:18] in html]
    cells = _Cells()
    cells.feed(html)
    labels = set(full["pool"]["strata"]) | {"ALL"}
    for row in cells.rows:
        leaks += [f"stratum cell {c!r}" for c in row if c in labels]
    with translation.override("zh-hans"):
        names = [str(c.label) for c in RiskClass]
    leaks += [f"risk class name {n}" for n in names if n in html]
    drawn = {t["id"] for t in full["drawn"]}
    ids = [i for row in cells.rows for i in re.findall(r"[0-9A-Z-]{6,}", " ".join(row))
           if i in drawn]
    if ids != sorted(ids, key=lambda i: i.encode()):
        leaks.append("targets listed in draw order")
    if re.search(r"<th>#</th>", html):
        leaks.append("a position column")
    return leaks


def conflict_leaks(text: str, full: dict) -> list[str]:
    """Officers' relationships: the list, any inspector–target pairing, any reason."""
    from shuangsuiji.inspectors.choices import Relation

    leaks = []
    if '"conflicts":' in text or '"inspector":' in text:
        leaks.append("the conflicts or an inspector–target pair")
    leaks += [f"reason {c['reason']}" for c in full["conflicts"]
              if f'"{c["reason"]}"' in text]
    with translation.override("zh-hans"):
        leaks += [f"relation {label}" for label in map(str, Relation.labels) if label in text]
    return leaks


# -- A generated risk-stratified draw of a few thousand targets --------------------------------

@pytest.fixture(scope="module")
def large_full():
    pool = candidates(3000, "ABCD")
    conflicts = [Conflict("E001", code(i), "kinship") for i in range(0, 3000, 7)][:40]
    return make_record(pool=pool, rules={label: StratumRule(ratio=r) for label, r in
                                         RATIOS.items()}, conflicts=conflicts)


def _truth(full: dict) -> dict[str, str]:
    return {t["id"]: t["stratum"] for t in full["drawn"]}


def test_it_the_attacker_recovers_every_class_from_a_full_record(large_full):
    truth = _truth(large_full)
    assert len(truth) > 900 and len(set(truth.values())) == 4
    assert by_positions(large_full) == truth
    assert by_list_order(large_full) == truth
    high = by_ticket_ranges(large_full)  # tickets alone already name the high-ratio classes
    assert high and all(truth[i] == c for i, c in high.items())


@pytest.mark.parametrize("mode", ["auditor", "public"])
def test_it_recovers_no_class_from_a_large_public_record(large_full, mode):
    public = public_record(large_full, risk_strata=True, verification=mode)
    assert verify(public) is None
    found = recover(public)
    if mode == "auditor":
        assert found == {}
        assert not {"server_secret", "seed"} & set(public)
    else:  # chosen with a reason: the page warns that tickets tell high-ratio targets apart
        assert set(found) and set(found) <= {i for i, c in _truth(large_full).items()
                                             if c in {"C", "D"}}
        assert by_stratum_field(public) == by_positions(public) == by_list_order(public) == {}
    assert by_group_order(public) == {}
    text = canonical_json(public)
    assert conflict_leaks(text, large_full) == []
    assert public["conflicts_count"] == len(large_full["conflicts"])
    assert public["conflicts_digest"] == sha256_hex(canonical_json(large_full["conflicts"]))


# -- The demo's draws, as an outsider reads them -----------------------------------------------

@pytest.fixture(scope="module")
def demo_drawn(django_db_setup, django_db_blocker):
    """The demo, with the seed's joint task drawn too (unstratified, public verification)."""
    block = transaction.atomic()
    block._from_testcase = True  # as Django's TestCase marks it: the durable draw runs inside
    with django_db_blocker.unblock(), block:
        with translation.override("en"), override_settings(DEBUG=True):
            call_command("demo", "--date", "2023-03-31", stdout=StringIO())
        from shuangsuiji.accounts.models import User

        joint = InspectionTask.objects.get(code="RFB-2023-LH01")
        draw_execute(actor=User.objects.get(username="office"), task=joint,
                     ceremony_input="90817263544536271809", witnesses=["王新根", "李华"],
                     source="十面骰子 20 次")
        yield
        transaction.set_rollback(True)


def _outsider_reads(task: InspectionTask, capsysbinary) -> tuple[list[dict], str]:
    anonymous = Client()
    portal = anonymous.get(reverse("portal:task_record", args=[task.code]))
    api = anonymous.get(f"/api/v1/public/tasks/{task.pk}/record/")
    call_command("draw", "export", task.code, "--public")
    cli = json.loads(capsysbinary.readouterr().out)
    html = anonymous.get(reverse("portal:task", args=[task.code])).content.decode()
    assert portal.status_code == api.status_code == 200
    return [portal.json(), api.json(), cli], html


def test_it_recovers_nothing_from_the_demos_risk_stratified_draw(demo_drawn, db, capsysbinary):
    task = InspectionTask.objects.get(code="RFB-2023-ZX01")
    full = record_for_export(task, public=False)
    assert len(_truth(full)) == 8 and by_positions(full) == _truth(full)  # the attack works
    docs, html = _outsider_reads(task, capsysbinary)
    assert docs[0] == docs[1] == docs[2]
    for doc in docs:
        assert doc["public"] == "1.1" and doc["verification"] == "auditor"
        assert verify(doc) is None
        assert recover(doc) == {}
        assert conflict_leaks(canonical_json(doc), full) == []
        assert "strata" not in doc["pool"] and not {"strata", "rules", "standby"} & set(doc)
    assert html_leaks(html, full) == []
    assert conflict_leaks(html, full) == []


def test_it_shows_the_unstratified_joint_draw_for_anyone_to_check(demo_drawn, db, capsysbinary):
    task = InspectionTask.objects.get(code="RFB-2023-LH01")
    full = record_for_export(task, public=False)
    docs, html = _outsider_reads(task, capsysbinary)
    for doc in docs:
        assert doc["verification"] == "public" and verify(doc) is None
        assert doc["seed"] == full["seed"] and all("ticket" in t for t in doc["drawn"])
        assert conflict_leaks(canonical_json(doc), full) == []
    assert full["seed"] in html
    assert all(t["ticket"][:18] in html for t in full["drawn"])
    # "ALL" is not a stratum anyone needs to read
    cells = _Cells()
    cells.feed(html)
    assert not any("ALL" in row for row in cells.rows)
    assert conflict_leaks(html, full) == []


def test_it_audits_each_full_record_download_and_keeps_it_from_others(demo_drawn, db):
    from shuangsuiji.accounts.models import User
    from shuangsuiji.core.models import AuditEvent

    task = InspectionTask.objects.get(code="RFB-2023-ZX01")
    url = reverse("draws:record_json", args=[task.pk])
    for username, status in [("auditor", 200), ("office", 200), ("partner", 404),
                             ("inspector", 403), ("section", 200)]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        before = AuditEvent.objects.filter(action="draw.record_download").count()
        response = client.get(url)
        assert response.status_code == status, username
        after = AuditEvent.objects.filter(action="draw.record_download").count()
        assert after == before + (1 if status == 200 else 0), username
        if status == 200:
            body = (b"".join(response.streaming_content) if response.streaming
                    else response.content)
            record = json.loads(body)
            assert verify(record) is None and "lines" in record["pool"]
    event = AuditEvent.objects.filter(action="draw.record_download").latest("seq")
    assert event.actor.username == "section" and event.data["via"] == "page"


def test_it_keeps_the_auditor_read_only_and_within_its_organisations(demo_drawn, db):
    from shuangsuiji.accounts.models import Department, User
    from shuangsuiji.accounts.services import user_set_audited_organisations
    from shuangsuiji.core.models import AuditEvent

    auditor = User.objects.get(username="auditor")
    client = Client()
    client.force_login(auditor)
    rfb = Department.objects.get(code="RFB")
    assert client.get("/audit/").status_code == 200
    seen = client.get("/api/v1/audit/?page_size=500").json()["results"]
    assert seen and {e["organisation_id"] for e in seen} <= {rfb.pk}
    draft = InspectionTask.objects.get(code="RFB-2023-ZL01")
    response = client.post(reverse("draws:freeze", args=[draft.pk]),
                           {"planned_draw_at": "2030-01-01T09:00"})
    assert response.status_code == 403
    api = client.post(f"/api/v1/tasks/{draft.pk}/freeze/",
                      {"planned_draw_at": "2030-01-01T09:00:00+08:00"},
                      content_type="application/json")
    assert api.status_code == 403
    # Given nothing to audit, it reads nothing
    user_set_audited_organisations(actor=None, user=auditor, organisations=[])
    assert AuditEvent.objects.filter(action="user.audit_scope").exists()
    auditor = User.objects.get(username="auditor")
    client.force_login(auditor)
    task = InspectionTask.objects.get(code="RFB-2023-ZX01")
    assert client.get(reverse("draws:record_json", args=[task.pk])).status_code == 404
    assert client.get("/audit/").status_code == 403


def test_it_asks_a_reason_for_public_verification_of_risk_classes(demo_drawn, db):
    from django.core.exceptions import ValidationError

    from shuangsuiji.accounts.models import User
    from shuangsuiji.plans.services import task_update

    office = User.objects.get(username="office")
    draft = InspectionTask.objects.get(code="RFB-2023-ZL01")
    with pytest.raises(ValidationError) as refused:
        task_update(actor=office, task=draft, data={"stratification": "risk",
                                                    "verification": "public"})
    assert "verification_reason" in refused.value.message_dict
    task = task_update(actor=office, task=draft, data={
        "stratification": "risk", "verification": "public",
        "verification_reason": "市领导小组要求全程公开"})
    assert task.verification_mode == "public"
    assert task_update(actor=office, task=task, data={"verification": ""}
                       ).verification_mode == "auditor"


def test_it_refuses_a_replacement_reason_with_personal_data(demo_drawn, db):
    from shuangsuiji.accounts.models import User
    from shuangsuiji.draws.services import DrawRefused, draw_replace

    task = InspectionTask.objects.get(code="RFB-2023-LH01")
    ident = record_for_export(task, public=False)["drawn"][0]["id"]
    with pytest.raises(DrawRefused):
        draw_replace(actor=User.objects.get(username="office"), task=task, ident=ident,
                     reason="负责人电话13812345678，已搬离")
    assert record_for_export(task, public=False)["replacements"] == []
