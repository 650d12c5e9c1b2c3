"""`shuangsuiji demo`: the seed's world, built through the services, and safe to run again."""

import io
import json
import re
import sys
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.services import user_set_password
from shuangsuiji.catalog.models import InspectionItem, InspectionItemVersion
from shuangsuiji.core import crypto
from shuangsuiji.core.audit import verify_chain
from shuangsuiji.core.models import AuditEvent, AuditHead
from shuangsuiji.demo.builder import SEED_DAY, load_world, relative_date
from shuangsuiji.draws.models import Assignment, DrawnTarget, DrawRecord, Freeze
from shuangsuiji.draws.pool import task_items
from shuangsuiji.draws.services import draw_execute, record_for_export, task_freeze
from shuangsuiji.entities.choices import DRAWABLE_STATUSES, RegStatus, RiskClass, TargetSource
from shuangsuiji.entities.models import Contact, Licence, Target, TargetChange
from shuangsuiji.imports.choices import ImportStatus
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.inspectors.choices import InspectorRole, InspectorStatus, Relation
from shuangsuiji.inspectors.models import Certificate, Conflict, Inspector
from shuangsuiji.plans.choices import PlanStatus, TaskState
from shuangsuiji.plans.models import AnnualPlan, InspectionTask
from shuangsuiji.rules import idcard, uscc
from shuangsuiji.rules.draw.cli import verify_main
from shuangsuiji.rules.draw.pools import UNSTRATIFIED
from shuangsuiji.rules.draw.sizes import StratumRule, sample_size
from shuangsuiji.rules.draw.verify import verify

pytestmark = pytest.mark.django_db
ARTICLE = re.compile(r"第[一二三四五六七八九十百]+条")
MODELS = [Department, User, InspectionItem, InspectionItemVersion, Target, Contact, Licence,
          TargetChange, ImportJob, Inspector, Certificate, Conflict, AnnualPlan, InspectionTask,
          Freeze, DrawRecord, DrawnTarget, Assignment, AuditEvent]
EARLIER, SEED, DRAFT = "RFB-2023-ZX01", "RFB-2023-LH01", "RFB-2023-ZL01"


def run_demo(*args: str, debug: bool = True) -> str:
    """Run the command as on a developer's machine (pytest-django turns DEBUG off), on the
    seed's 2023 office, whose dates these tests check (test_demo_dates: any other day)."""
    out = StringIO()
    with translation.override("en"), override_settings(DEBUG=debug):
        call_command("demo", "--date", SEED_DAY.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The demo built once for the module, rolled back at its end (the audit log is
    append-only, so it could not be deleted)."""
    block = transaction.atomic()
    # Marked as Django's TestCase marks its own blocks, so the durable draw may run inside.
    block._from_testcase = True
    with django_db_blocker.unblock(), block:
        yield run_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(built, db) -> str:
    """Each test runs in a savepoint inside the module's demo: its changes are undone."""
    return built


# These need an empty database, so they run before the first test that builds the module's demo.
def test_it_refuses_a_database_with_other_accounts():
    User.objects.create_user(username="wangwu", password="x-Long-enough-1")
    with pytest.raises(CommandError, match="wangwu"):
        run_demo()
    assert not Department.objects.exists()
    assert "Guanli#rfb-58" in run_demo("--force")


def test_it_refuses_a_production_configuration():
    with pytest.raises(CommandError, match="--force"):
        run_demo(debug=False)
    assert not User.objects.exists()


def test_a_failure_leaves_nothing_behind(monkeypatch):
    from shuangsuiji.demo import builder

    def broken(rows, built):
        raise RuntimeError("conflicts could not be recorded")

    monkeypatch.setattr(builder, "_conflicts", broken)
    with pytest.raises(RuntimeError):
        run_demo()
    assert not Department.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_failed_draw_keeps_what_was_built_and_a_second_run_completes_it(monkeypatch):
    from shuangsuiji.draws import services

    def broken(**kwargs):
        raise RuntimeError("the ceremony was interrupted")

    monkeypatch.setattr(services, "draw_execute", broken)
    with pytest.raises(RuntimeError):
        run_demo()
    assert InspectionTask.objects.get(code=EARLIER).state == TaskState.FROZEN
    monkeypatch.undo()
    assert "draws held 1, replacements 1" in run_demo()
    assert InspectionTask.objects.get(code=EARLIER).state == TaskState.IN_PROGRESS
    assert InspectionTask.objects.get(code=SEED).state == TaskState.FROZEN


def state() -> dict[str, object]:
    head = AuditHead.objects.get(pk=1)
    counts: dict[str, object] = {m.__name__: m.objects.count() for m in MODELS}
    return counts | {"head": (head.seq, head.hash),
                     "passwords": list(User.objects.order_by("pk").values_list("password"))}


def test_it_builds_the_two_organisations_of_the_joint_task(demo):
    office = Department.objects.get(code="RFB")
    assert office.name == "晋城市人民防空办公室" and office.region_code == "140500"
    assert set(office.children.values_list("name", flat=True)) == {"法宣科", "工程科",
                                                                   "标准事务中心"}
    brigade = Department.objects.get(name="晋城市城区消防救援大队")
    assert brigade.parent.code == "XFZD" and brigade.root.code == "XFZD"


def test_the_pool_is_the_seeds_37_drawable_targets_with_valid_codes(demo):
    directory = Target.objects.filter(department__code="RFB")
    drawable = directory.filter(reg_status__in=DRAWABLE_STATUSES)
    assert drawable.count() == 37
    assert all(uscc.is_valid(code) for code in directory.values_list("uscc", flat=True))
    assert set(directory.exclude(reg_status__in=DRAWABLE_STATUSES)
               .values_list("reg_status", flat=True)) == {RegStatus.DEREGISTERED, RegStatus.MOVED}


def test_the_market_regulators_joint_task_draws_each_shared_entity_once(demo):
    """The city's shared directory: SJJ's task reads its own five entities while the office
    has not answered, and the office's too once it accepts, each entity once, stratified (if
    at all) by SJJ's classes."""
    from shuangsuiji.draws.pool import candidate_targets, cap_left_out
    from shuangsuiji.plans.models import TaskDepartment

    task = InspectionTask.objects.get(code__startswith="SJJ-")
    today = timezone.localdate()
    own = Target.objects.filter(department__code="SJJ")
    assert own.count() == 5
    # The office's inspections of the year count against SJJ's row by its code (54号): the
    # entity the office inspected twice (which one follows from the draw) is left out of
    # SJJ's pool too when SJJ knows it.
    capped = {row.target.pk for row in cap_left_out(task, today)}
    assert len(capped) <= 1 and capped <= set(own.values_list("pk", flat=True))
    assert set(candidate_targets(task, today).values_list("pk", flat=True)) == set(
        own.values_list("pk", flat=True)) - capped
    shared = set(own.values_list("uscc", flat=True)) & set(
        Target.objects.filter(department__code="RFB").values_list("uscc", flat=True))
    assert len(shared) == 3
    TaskDepartment.objects.filter(task=task, department__code="RFB").update(
        invitation="accepted")
    rows = list(candidate_targets(task, today).values_list("uscc", "department__code"))
    codes = [code for code, _d in rows]
    capped_codes = set(Target.objects.filter(pk__in=capped).values_list("uscc", flat=True))
    assert len(codes) == len(set(codes)) and shared - capped_codes <= set(codes)
    assert not capped_codes & set(codes)  # left out whole, the office's row too
    assert all(dept == "SJJ" for code, dept in rows if code in shared)
    assert len(codes) > 4


def test_the_pool_mixes_entity_kinds_regions_and_risk_classes(demo):
    drawable = Target.objects.filter(department__code="RFB", reg_status__in=DRAWABLE_STATUSES)
    kinds = {code[:2] for code in drawable.values_list("uscc", flat=True)}
    assert {"91", "12", "93", "N2"} <= kinds
    assert {code[2:6] for code in drawable.values_list("uscc", flat=True)} == {"1405"}
    assert len(set(drawable.values_list("region_code", flat=True))) == 6
    assert set(drawable.values_list("risk_class", flat=True)) == set(RiskClass.values)
    assert not drawable.filter(industry_code="").exists()
    assert not drawable.filter(contacts__isnull=True).exists()


def test_licensed_targets_came_in_by_importing_the_licensing_bureaus_export(demo):
    job = ImportJob.objects.get()
    assert (job.status, job.rejected, job.department.code) == (ImportStatus.DONE, 0, "RFB")
    assert "行政审批服务管理局" in job.original_name
    licences = Licence.objects.all()
    assert licences.count() == job.imported == Target.objects.filter(
        source=TargetSource.IMPORT).count()
    assert not licences.filter(import_job__isnull=True).exists()
    assert all("行政审批服务管理局" in a for a in licences.values_list("authority", flat=True))
    assert Target.objects.filter(source=TargetSource.DEMO, licences__isnull=False).count() == 0


def test_every_item_has_its_legal_basis_at_article_level(demo):
    items = InspectionItem.objects.all()
    assert 8 <= items.filter(department__root__code="RFB").count() <= 15
    assert items.filter(department__code="XFZD").count() >= 2
    for item in items:
        assert ARTICLE.search(item.basis), item.code
    assert all("《中华人民共和国消防法》" in item.basis
               for item in items.filter(department__code="XFZD"))
    assert {"key", "general"} == set(items.values_list("kind", flat=True))


def test_most_items_are_published_each_with_its_versions(demo):
    items = InspectionItem.objects.all()
    published = items.filter(is_published=True)
    assert items.count() - published.count() == 1
    for item in published:
        assert list(item.versions.order_by("version").values_list("version", "is_published")) \
            == [(1, False), (2, True)]


def test_there_is_an_account_per_role_that_signs_in(demo, client):
    world = load_world()
    assert {u.role for u in User.objects.all()} == set(Role.values)
    for row in world["users"]:
        assert client.login(username=row["username"], password=row["password"]), row
        client.logout()


def test_only_the_administrator_reaches_the_admin(demo):
    assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]


def test_the_accounts_are_printed_with_their_passwords_and_the_url(demo):
    for row in load_world()["users"]:
        assert re.search(rf"^{re.escape(row['username'])}\s+{re.escape(row['password'])}\s",
                         demo, re.MULTILINE), row["username"]
    assert "http://127.0.0.1:8000/" in demo


def test_the_inspector_directory_tracks_certificates_transfers_and_retirements(demo):
    today = date.today()
    rfb = Inspector.objects.filter(department__root__code="RFB")
    officers = rfb.filter(role=InspectorRole.OFFICER)
    assert officers.count() == 10
    assert rfb.filter(role=InspectorRole.EXPERT).count() == 3
    assert Inspector.objects.filter(department__root__code="XFZD").count() == 6
    assert officers.get(status=InspectorStatus.TRANSFERRED).status_changes.count() == 2
    assert officers.filter(status=InspectorStatus.RETIRED).count() == 1
    expired = officers.get(certificates__valid_to__lt=today)
    assert expired.status == InspectorStatus.ACTIVE and not expired.is_eligible_on(today)
    assert sum(o.is_eligible_on(today) for o in officers) == 7
    assert Inspector.objects.get(user__username="inspector").code == "RFB01"


def test_identity_numbers_are_valid_and_stored_encrypted(demo):
    with_numbers = Inspector.objects.exclude(id_number_encrypted="")
    assert with_numbers.count() >= 3
    for inspector in with_numbers:
        number = crypto.decrypt(inspector.id_number_encrypted)
        assert idcard.validate(number) == number
        assert number not in inspector.id_number_encrypted
        assert "*" in inspector.id_number_masked


def test_conflicts_cover_every_relation_and_one_was_revoked(demo):
    assert set(Conflict.objects.values_list("relation", flat=True)) == set(Relation.values)
    revoked = Conflict.objects.get(revoked_at__isnull=False)
    assert revoked.revoke_reason
    assert Conflict.objects.in_force_on(date.today()).count() == Conflict.objects.count() - 1


def test_every_change_is_in_an_intact_audit_chain(demo):
    assert verify_chain() is None
    events = AuditEvent.objects.all()
    imported = ImportJob.objects.get().imported
    # The office's 39 and the market regulator's 5 (its own directory).
    assert events.filter(action="target.create").count() + imported == 44
    assert events.filter(action="import.targets").count() == 1
    assert events.filter(action="user.create").count() == User.objects.count()
    assert events.filter(action="item.publish").count() == 13
    assert events.filter(action="task.freeze").count() == 2
    assert events.filter(action="draw.execute").count() == 1
    assert events.filter(action="draw.replace").count() == 1
    # The system builds the world; results are entered by the inspectors the draw sent and
    # reviewed by the office (法宣科), each under their own account; the office handles the
    # complaints the public sent.
    setup = events.exclude(action__regex=r"^(result|visit|followup|task\.claim|"
                                         r"credit\.complaint_(assign|reply|close))")
    assert set(setup.values_list("actor_label", flat=True)) == {"system"}
    assert {label.split("#")[0] for label in events.filter(
        action__startswith="credit.complaint_").exclude(action="credit.complaint_receive")
        .values_list("actor_label", flat=True)} == {"office"}
    group_members = {a.inspector.user.username for a in Assignment.objects.filter(
        task__code=EARLIER, released_at__isnull=True).select_related("inspector__user")
        if a.inspector.user_id}
    entered = {label.split("#")[0] for label in events.filter(
        action="result.save").values_list("actor_label", flat=True)}
    assert entered and entered <= group_members
    assert {label.split("#")[0] for label in events.filter(
        action="result.approved").values_list("actor_label", flat=True)} == {"office"}
    assert TargetChange.objects.filter(action="create").count() == 44


def test_the_plan_merges_the_sections_proposals_and_is_published(demo):
    plan = AnnualPlan.objects.get(year=2023)
    assert plan.status == PlanStatus.PUBLISHED and plan.leading_section.name == "工程科"
    assert set(plan.proposals.values_list("section__name", flat=True)) == {"工程科",
                                                                           "标准事务中心"}
    joint = plan.entries.get(is_joint=True)
    assert list(joint.participants.values_list("code", flat=True)) == ["XFZD"]


def test_the_earlier_task_was_drawn_by_credit_risk_class_at_a_ceremony(demo):
    """A 10%, B 15%, C 30%, D 100% of the 37 drawable targets: 1 + 3 + 2 + 2 targets."""
    task = InspectionTask.objects.get(code=EARLIER)
    assert task.state == TaskState.IN_PROGRESS
    assert (task.period_start, task.period_end) == (date(2023, 2, 13), date(2023, 3, 31))
    draw = task.draw
    assert {label: (s["n"], s["k"]) for label, s in draw.record["strata"].items()} == {
        "A": (9, 1), "B": (20, 3), "C": (6, 2), "D": (2, 2)}
    assert re.fullmatch(r"\d{20}", draw.ceremony_input)
    assert draw.ceremony_source == "十面骰子 20 次"
    assert len(draw.witnesses) == 2 and "李慧（法宣科）" in draw.present
    drawn = DrawnTarget.objects.filter(task=task, via_replacement=False)
    assert drawn.count() == 8
    assert Counter(drawn.values_list("stratum", flat=True)) == {"A": 1, "B": 3, "C": 2, "D": 2}
    for target in drawn.filter(replaced_at__isnull=True):
        assert target.assignments.filter(inspector__role=InspectorRole.OFFICER).count() == 2


def test_the_earlier_task_shows_a_replacement_and_its_record_verifies(demo):
    task = InspectionTask.objects.get(code=EARLIER)
    record = task.draw.record
    [entry] = record["replacements"]
    out = DrawnTarget.objects.get(task=task, replaced_at__isnull=False)
    incoming = DrawnTarget.objects.get(task=task, via_replacement=True)
    assert (entry["out"], entry["in"]) == (out.ident, incoming.ident)
    assert "已迁出" in entry["reason"] and out.replaced_reason == entry["reason"]
    assert out.stratum == incoming.stratum == "B"
    assert entry["in"] == record["standby"]["B"][0]
    assert not out.assignments.filter(released_at__isnull=True).exists()
    assert incoming.assignments.filter(released_at__isnull=True).count() == 2
    assert verify(record) is None
    public = record_for_export(task, public=True)
    assert "strata" not in public and verify(public) is None


def test_the_exported_record_verifies_as_on_the_command_line(demo, capsys, monkeypatch):
    """`shuangsuiji draw export RFB-2023-ZX01 | shuangsuiji draw verify -` prints OK."""
    call_command("draw", "export", EARLIER)
    exported = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(exported))
    assert verify_main(["-"]) == 0
    assert capsys.readouterr().out.strip() == "OK"
    tampered = json.loads(exported)
    tampered["replacements"][0]["reason"] = "已注销"
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(tampered, ensure_ascii=False)))
    assert verify_main(["-", "--lang", "en"]) == 1
    assert "replacement 1" in capsys.readouterr().out


def test_the_seeds_joint_task_is_frozen_and_ready_to_draw(demo):
    """抽取基数 37, 抽取比例 15% → 6 targets; the commitment published, the draw not yet held."""
    task = InspectionTask.objects.get(code=SEED)
    assert task.state == TaskState.FROZEN and not DrawRecord.objects.filter(task=task).exists()
    assert (task.period_start, task.period_end) == (date(2023, 4, 1), date(2023, 11, 30))
    assert list(task.participants.values_list("department__code", "role")) == [
        ("RFB", "initiating"), ("XFZD-CQ", "cooperating")]
    freeze = task.freeze
    assert freeze.pool_size == 37 and freeze.pool_strata == {UNSTRATIFIED: 37}
    sizes = {label: sample_size(freeze.pool_strata[label], StratumRule.from_json(rule))
             for label, rule in freeze.rules.items()}
    assert sizes == {UNSTRATIFIED: 6}
    assert freeze.planned_draw_at <= timezone.now() and len(freeze.commitment) == 64
    assert [(d["code"], d["officers"]) for d in freeze.departments] == [("RFB", 2),
                                                                        ("XFZD-CQ", 2)]


def test_the_earlier_draw_leaves_the_seeds_pool_whole(demo):
    """Different items: the look-back takes none of the earlier task's targets out."""
    earlier = InspectionTask.objects.get(code=EARLIER)
    seed = InspectionTask.objects.get(code=SEED)
    assert not task_items(earlier) & task_items(seed)
    drawn = set(DrawnTarget.objects.filter(task=earlier).values_list("target_id", flat=True))
    pool = set(seed.freeze.candidates.values_list("target_id", flat=True))
    assert len(drawn) == 9 and drawn <= pool and len(pool) == 37


def test_the_office_holds_the_seeds_draw_at_the_printed_address(demo, client):
    """Two officers of each department per target; no one sent back to a target they have
    just inspected for the earlier task, nor to one they must keep away from (回避)."""
    task = InspectionTask.objects.get(code=SEED)
    url = reverse("draws:ceremony", kwargs={"pk": task.pk})
    assert f"http://127.0.0.1:8000{url}" in demo
    client.force_login(User.objects.get(username="office"))
    assert client.get(url).status_code == 200
    response = client.post(url, {"ceremony_input": "38201958377102938475",
                                 "source": "十面骰子 20 次", "witnesses": "王新根\n李慧",
                                 "present": "李慧、周敏、陈志刚、郝建国",
                                 "place": "晋城市人民防空办公室三楼会议室"})
    assert response.status_code == 302
    drawn = DrawnTarget.objects.filter(task=task)
    assert drawn.count() == 6
    for target in drawn:
        groups = Counter(target.assignments.values_list("department__code", flat=True))
        assert groups == {"RFB": 2, "XFZD-CQ": 2}
        assert not Conflict.objects.in_force_on(date.today()).filter(
            target=target.target, inspector__assignments__drawn_target=target).exists()
    record = DrawRecord.objects.get(task=task).record
    earlier = set(Assignment.objects.filter(task__code=EARLIER, released_at__isnull=True)
                  .values_list("inspector__code", "drawn_target__ident"))
    assert {(c["inspector"], c["target"]) for c in record["conflicts"]
            if c["reason"] == "lookback"} == earlier
    assert not earlier & set(Assignment.objects.filter(task=task).values_list(
        "inspector__code", "drawn_target__ident"))
    assert verify(record) is None and verify_chain() is None


def test_a_draft_task_is_left_to_edit_freeze_and_draw(demo):
    """10% of 36 → 4 targets, each with two officers and a technical expert."""
    task = InspectionTask.objects.get(code=DRAFT)
    assert task.state == TaskState.DRAFT and task.plan_entry.name == "人防工程质量监督抽查"
    office = User.objects.get(username="office")
    freeze = task_freeze(actor=office, task=task, planned_draw_at=timezone.now())
    # 37 drawable, less the entity the office inspected a second time this year (the cap)
    assert freeze.pool_size == 36
    draw = draw_execute(actor=office, task=task, ceremony_input="90817263544536271809",
                        witnesses=["王新根"], source="十面骰子 20 次")
    drawn = DrawnTarget.objects.filter(draw=draw)
    assert drawn.count() == 4
    for target in drawn:
        assert Counter(target.assignments.values_list("inspector__role", flat=True)) == {
            InspectorRole.OFFICER: 2, InspectorRole.EXPERT: 1}


def test_it_ends_with_where_to_go_next(demo):
    tasks = {t.code: t.pk for t in InspectionTask.objects.all()}
    base = "http://127.0.0.1:8000"
    hints = demo.strip().splitlines()[-6:]
    assert hints[0].startswith("Try this") and "office (法宣科)" in hints[0]
    assert SEED in hints[0]
    assert hints[0].endswith(base + reverse("draws:ceremony", kwargs={"pk": tasks[SEED]}))
    assert hints[1].endswith(base + reverse("draws:result", kwargs={"pk": tasks[EARLIER]}))
    assert hints[2].endswith(base + reverse("inspections:task", kwargs={"pk": tasks[EARLIER]}))
    assert hints[3].endswith(base + reverse("plans:task_detail", kwargs={"pk": tasks[DRAFT]}))
    invited = next(code for code in tasks if code.startswith("SJJ-"))
    assert hints[4].startswith("晋城市市场监督管理局 invites the office")
    assert hints[4].endswith(base + reverse("plans:task_detail", kwargs={"pk": tasks[invited]}))
    assert base + reverse("entityportal:sign_in") in hints[5]


def test_a_second_run_changes_nothing_and_prints_the_accounts_again(demo):
    before = state()
    again = run_demo()
    assert state() == before
    assert "nothing was changed" in again
    assert "Guanli#rfb-58" in again and f"{SEED} at http" in again
    assert verify_chain() is None


def test_a_changed_password_is_not_printed(demo):
    office = User.objects.get(username="office")
    user_set_password(actor=None, user=office, password="Xin#Mima-rfb-74")
    again = run_demo()
    assert "Faxuan#rfb-47" not in again
    assert re.search(r"^office\s+\(changed since\)", again, re.MULTILINE)


@pytest.mark.parametrize(("value", "expected"), [
    ("today", date(2024, 2, 29)),
    ("today-45d", date(2024, 1, 15)),
    ("today+2y", date(2026, 2, 28)),
    ("2023-04-01", date(2023, 4, 1)),
    (None, None),
    ("day", date(2031, 1, 3)),
    ("day-46d", date(2030, 11, 18)),
])
def test_relative_dates_in_the_data_file(value, expected):
    assert relative_date(value, date(2024, 2, 29), date(2031, 1, 3)) == expected


def test_every_inspector_drawn_can_sign_in(demo):
    """Whoever a draw sends can claim the task: each inspector of the directory has a sign-in."""
    from django.contrib.auth import authenticate

    from shuangsuiji.inspectors.models import Inspector

    assert not Inspector.objects.filter(user__isnull=True).exists()
    assert "rfb02 / Zhifa#Jiancha-58" in demo
    user = authenticate(username="rfb02", password="Zhifa#Jiancha-58")
    assert user is not None and user.inspector.code == "RFB02"


def test_the_earlier_tasks_results_are_published_and_one_waits_in_the_queue(demo):
    from shuangsuiji.inspections.models import Inspection
    from shuangsuiji.publication.models import PublishedResult

    approved = Inspection.objects.filter(visit__task__code=EARLIER, state="approved")
    published = PublishedResult.objects.filter(task_code=EARLIER, withdrawn_at__isnull=True)
    assert approved.count() == 3 and published.count() == 2
    assert all(p.on_time for p in published)
    assert {p.category_text for p in published} == {"未发现问题", "发现问题已责令改正"}


def test_the_office_has_risk_rules_that_raise_the_class_of_a_serious_case(demo):
    from shuangsuiji.credit.models import RiskRule

    rules = {(r.trigger, r.raise_to) for r in RiskRule.objects.filter(organisation__code="RFB")}
    assert {("serious", "D"), ("refusal", "D"), ("blacklist", "D"), ("complaints", "C")} == rules


def test_the_seeds_draw_puts_notices_in_the_offices_outbox_and_the_inspectors_inbox(demo,
                                                                                   client):
    """After the ceremony the drawn inspectors are told on the demo's channels (站内信 and
    the console), as the worker delivers them."""
    from shuangsuiji.draws.services import draw_execute
    from shuangsuiji.notices import outbox
    from shuangsuiji.notices.models import Notice

    task = InspectionTask.objects.get(code=SEED)
    draw_execute(actor=User.objects.get(username="office"), task=task,
                 ceremony_input="49302817465512093847", witnesses=["王新根", "李华"],
                 source="十面骰子 20 次")
    notices = Notice.objects.filter(task=task)
    assert set(notices.values_list("channel", flat=True)) == {"inbox", "console"}
    outbox.deliver_due()  # the worker's run (the earlier task's notices go too)
    assert set(notices.values_list("state", flat=True)) == {"sent"}
    client.force_login(User.objects.get(username="office"))
    page = client.get("/notices/?kind=task_drawn",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert SEED in page and "已送达" in page and "控制台" in page and "站内信" in page
    inspector = notices.filter(channel="inbox").first().user
    client.force_login(inspector)
    inbox = client.get("/notices/inbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert SEED in inbox and "派发至检查单位" in inbox
