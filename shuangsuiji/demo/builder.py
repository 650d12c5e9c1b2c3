"""Builds the demo world of world.yaml through the services, so its audit log and histories
are the real thing.

Idempotent: every record is looked up by its natural key (department code, user name, item
code, credit code, staff code, inspector–target–relation, task code) and created only when
missing, and a task is frozen, drawn, started or given its replacement only while it has not
reached that step, so a second run changes nothing and writes no audit entry.

The directories and the plan are built in one transaction: a failure there leaves the
database as it was. A draw is its own durable transaction (draws.services.draw_execute: a
ceremony commits or fails on its own), so each task is built in steps around it; a failure
in a task keeps the steps before it, and running the demo again completes the rest.
"""

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from shuangsuiji.accounts import services as accounts
from shuangsuiji.accounts.models import Department, User
from shuangsuiji.catalog import services as catalog
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.credit import complaints
from shuangsuiji.credit import services as credit
from shuangsuiji.credit.models import Complaint
from shuangsuiji.demo import results
from shuangsuiji.draws import services as draws
from shuangsuiji.draws.models import DrawnTarget
from shuangsuiji.enforcement import selectors as enforcement_selectors
from shuangsuiji.enforcement import services as enforcement
from shuangsuiji.entities import services as entities
from shuangsuiji.entities.choices import TargetSource
from shuangsuiji.entities.models import Target
from shuangsuiji.imports import services as imports
from shuangsuiji.imports.choices import ImportKind, ImportMode, ImportStatus
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.inspections import services as inspections
from shuangsuiji.inspectors import services as inspectors
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans import proposals
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.choices import Invitation, PlanStatus, TaskState
from shuangsuiji.plans.models import AnnualPlan, InspectionTask, JointProposal, PlanEntry
from shuangsuiji.rules import uscc

DATA_FILE = Path(__file__).with_name("world.yaml")
# The demo acts as the system, like a scheduled import: its audit entries say "system".
ACTOR = None

_RELATIVE = re.compile(r"^(today|day)(?:([+-])(\d+)([dy]))?$")
# The seed's office as it stood on this day: the plan of 2023, the first quarter's check
# on its last day, the joint task of April ready for its draw (`shuangsuiji demo --date
# 2023-03-31`).
SEED_DAY = date(2023, 3, 31)


@dataclass(frozen=True)
class Account:
    """A demo sign-in, as printed at the end of `shuangsuiji demo`."""

    username: str
    password: str
    role: str
    department: str
    password_changed: bool = False


@dataclass(frozen=True)
class TaskLink:
    """A demo task as it stands after the run, for the hints printed by `shuangsuiji demo`."""

    code: str
    pk: int
    state: str
    # The organisation whose draft invites a department yet to answer, or "".
    invited_by: str = ""


@dataclass
class Report:
    """What a run created (by kind of record), the demo accounts and tasks to print."""

    created: Counter[str] = field(default_factory=Counter)
    new_usernames: set[str] = field(default_factory=set)
    accounts: list[Account] = field(default_factory=list)
    tasks: list[TaskLink] = field(default_factory=list)
    # The organising office's account (法宣科), which freezes and draws.
    office: Account | None = None
    # How every other inspector signs in (the password pattern), and one example.
    inspector_password: str = ""
    inspector_example: Account | None = None


class DemoDataError(RuntimeError):
    """The data file itself is wrong (a row the import rejects)."""


def load_world(path: Path = DATA_FILE) -> dict[str, Any]:
    # libyaml's parser when PyYAML was built with it: ten times faster than the pure one.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # noqa: S506 (a safe loader)


def relative_date(value: Any, today: date, day: date | None = None) -> date | None:
    """A date from the data file: a date, "today", "today-45d" or "today+2y" (from the day
    of the build), or "day", "day-46d" (from the day the office's year is told on, by default
    the day of the build)."""
    if value is None or isinstance(value, date):
        return value
    match = _RELATIVE.match(str(value).strip())
    if match is None:
        return date.fromisoformat(str(value))
    anchor, sign, amount, unit = match.groups()
    if anchor == "day" and day is not None:
        today = day
    if sign is None:
        return today
    n = int(amount) * (1 if sign == "+" else -1)
    if unit == "d":
        return today + timedelta(days=n)
    try:
        return today.replace(year=today.year + n)
    except ValueError:  # 29 February in a common year
        return today.replace(year=today.year + n, day=28)


def complete_id_number(body: str) -> str:
    """17 digits → an 18-character 居民身份证号 with its GB 11643 check character."""
    return body + ric.calc_check_digit(body + "0")


def demo_usernames(world: dict[str, Any]) -> set[str]:
    # Besides the printed accounts, every inspector drawn in a demo result gets a closed one.
    return ({u["username"] for u in world["users"]}
            | {i["code"].lower() for i in world["inspectors"]["list"]})


def foreign_usernames(world: dict[str, Any]) -> list[str]:
    """Accounts in the database that the demo did not create (a real installation's)."""
    return sorted(User.objects.exclude(username__in=demo_usernames(world))
                  .values_list("username", flat=True))


@dataclass
class _World:
    """What has been built so far, by natural key, for the later steps to refer to."""

    today: date
    # The day the plan and the tasks are told from: the year of the plan is its year.
    on: date
    report: Report
    departments: dict[str, Department] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    items: dict[str, InspectionItem] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    inspectors: dict[str, Inspector] = field(default_factory=dict)

    def day(self, value: Any) -> date | None:
        return relative_date(value, self.today, self.on)


def build(*, today: date | None = None, on: date | None = None,
          world: dict[str, Any] | None = None) -> Report:
    """Create whatever of the demo world is missing; return what was created, the accounts
    and the tasks.

    The directory (inspectors' certificates, conflicts, risk classes) is dated from `today`,
    the day of the build; the plan and the tasks from `on`, by default the same day, so the
    office a newcomer opens is in the middle of its current year. `on=SEED_DAY` builds the
    seed's 2023 office, whose dates some tests rely on."""
    world = world or load_world()
    today = today or timezone.localdate()
    built = _World(today=today, on=on or today, report=Report())
    with transaction.atomic():
        _departments(world["departments"], built)
        _users(world["users"], built)
        _items(world["items"], built)
        _targets(world["targets"], built)
        for section in world.get("other_directories", []):
            _targets(section, built, register=False)
        _inspectors(world["inspectors"], built)
        _conflicts(world["conflicts"], built)
        _plan(world["plan"], built)
        _violation_categories(world.get("violation_categories", {}), built)
        _risk_rules(world.get("risk_rules", {}), built)
        _complaints(world.get("complaints", []), built)
    # In the order of the file: the earlier task is drawn before the seed's task is frozen.
    built.report.tasks = [_task(row, built) for row in world["tasks"]]
    for row in world.get("nonrandom", []):
        _nonrandom(row, built)
    for row in world.get("joint_proposals", []):
        _joint_proposal(row, built)
    built.report.accounts = _accounts(world["users"], built)
    built.report.office = next((account for account, row in zip(built.report.accounts,
                                                                world["users"], strict=True)
                                if row["role"] == "office"), None)
    return built.report


def _departments(rows: list[dict[str, Any]], built: _World) -> None:
    for row in rows:
        department = Department.objects.filter(code=row["code"]).first()
        if department is None:
            department = accounts.department_create(
                actor=ACTOR, code=row["code"], name=row["name"], kind=row["kind"],
                parent=built.departments[row["parent"]] if row.get("parent") else None,
                region_code=row.get("region_code", ""))
            built.report.created["departments"] += 1
        built.departments[row["code"]] = department
        if row.get("abbreviation") and enforcement_selectors.scheme_of(department.pk) is None:
            # the abbreviation in its enforcement documents' numbers
            enforcement.scheme_set(actor=ACTOR, organisation=department,
                                   abbreviation=row["abbreviation"])


def _users(rows: list[dict[str, Any]], built: _World) -> None:
    for row in rows:
        user = User.objects.filter(username=row["username"]).first()
        if user is None:
            user = accounts.user_create(
                actor=ACTOR, username=row["username"], password=row["password"],
                role=row["role"], department=built.departments.get(row.get("department", "")),
                full_name=row.get("full_name", ""))
            if row.get("audits"):
                accounts.user_set_audited_organisations(
                    actor=ACTOR, user=user,
                    organisations=[built.departments[code] for code in row["audits"]])
            for grant in row.get("evaluates", []):
                accounts.evaluator_grant_create(
                    actor=ACTOR, user=user, organisation=built.departments[grant["organisation"]],
                    period_from=built.day(grant["from"]), period_to=built.day(grant["to"]),
                    expires_on=built.day(grant.get("until")), reason=grant["reason"])
            built.report.created["users"] += 1
            built.report.new_usernames.add(user.username)
        built.users[row["username"]] = user


_ITEM_KEYS = ["code", "category", "matter", "sub_item", "target_type", "basis", "content",
              "method", "kind", "ratio_guidance", "frequency_guidance",
              "inspector_requirements", "remarks"]


def _items(section: dict[str, Any], built: _World) -> None:
    reasons = section["reasons"]
    for row in section["list"]:
        item = InspectionItem.objects.filter(code=row["code"]).first()
        if item is None:
            data = {key: row[key] for key in _ITEM_KEYS if key in row}
            data["department"] = built.departments[row["department"]].pk
            item = catalog.item_create(actor=ACTOR, data=data, reason=reasons["create"])
            if row.get("published"):
                item = catalog.item_set_published(actor=ACTOR, item=item, published=True,
                                                  reason=reasons["publish"])
            built.report.created["items"] += 1
        built.items[row["code"]] = item


_TARGET_KEYS = ["name", "entity_type", "legal_rep", "address", "region_code", "industry_code",
                "registration_authority", "locality", "founded_on", "reg_status", "risk_class"]
# The licensing bureau's export (对接市行政审批局): headers as such exports write them.
_EXPORT_HEADERS = {
    "uscc": "统一社会信用代码", "name": "企业名称", "entity_type": "市场主体类型",
    "legal_rep": "法定代表人", "address": "住所", "region_code": "行政区划代码",
    "industry_code": "行业代码", "registration_authority": "登记机关", "locality": "属地",
    "founded_on": "成立日期", "reg_status": "登记状态", "risk_class": "信用风险分类",
    "number": "许可编号", "decision_no": "许可决定书文号", "item": "许可内容",
    "authority": "许可机关", "decided_on": "许可决定日期", "valid_from": "有效期自",
    "valid_to": "有效期至",
}


def _targets(section: dict[str, Any], built: _World, *, register: bool = True) -> None:
    """Licensed entities arrive by importing the bureau's export; the others are typed in.
    Another organisation's directory (`register=False`) is not what the rest of the world
    names its targets by: the office's are."""
    directory = built.departments[section["directory"]]
    new_codes = (_licence_import(section, directory, built) if "licence_export" in section
                 else set())
    for row in section["list"]:
        code = uscc.make_valid(row["uscc17"])
        target = Target.objects.filter(department=directory, uscc=code).first()
        if target is None:
            data = {key: row[key] for key in _TARGET_KEYS if key in row}
            data |= {"uscc": code,
                     "risk_set_on": built.today if row.get("risk_class") else None}
            target = entities.target_create(actor=ACTOR, department_id=directory.pk, data=data,
                                            source=TargetSource.DEMO)
            built.report.created["targets"] += 1
            new_codes.add(code)
        if code in new_codes:
            for contact in row.get("contacts", []):
                entities.contact_add(actor=ACTOR, target=target, **contact)
                built.report.created["contacts"] += 1
        if register:
            built.targets[row["name"]] = target


def _licence_import(section: dict[str, Any], directory: Department, built: _World) -> set[str]:
    """Import the licensed targets with their licences, once; the codes it brought in."""
    content = _licence_export(section)
    if ImportJob.objects.filter(department=directory, sha256=hashlib.sha256(content).hexdigest(),
                                status=ImportStatus.DONE).exists():
        return set()
    before = set(Target.objects.filter(department=directory).values_list("uscc", flat=True))
    job = imports.import_job_create(
        actor=ACTOR, kind=ImportKind.TARGETS, department=directory,
        upload=io.BytesIO(content), original_name=section["licence_export"],
        mode=ImportMode.ALL_OR_NOTHING, background=False)
    job = imports.import_job_validate(job_id=job.pk)
    job = imports.import_job_commit(actor=ACTOR, job_id=job.pk)
    if job.status != ImportStatus.DONE:
        problems = list(job.issues.values_list("row", "column", "reason")[:5])
        raise DemoDataError(f"{section['licence_export']}: {job.message} {problems}")
    built.report.created["targets"] += job.imported
    after = set(Target.objects.filter(department=directory).values_list("uscc", flat=True))
    return after - before


def _licence_export(section: dict[str, Any]) -> bytes:
    """The bureau's export as CSV: a row per licence, the entity's details repeated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_EXPORT_HEADERS.values())
    for row in section["list"]:
        for licence in row.get("licences", []):
            cells = row | licence | {
                "uscc": uscc.make_valid(row["uscc17"]), "reg_status": "存续",
                "authority": section["licence_authority"][row["region_code"]]}
            writer.writerow(["" if cells.get(key) is None else str(cells.get(key))
                             for key in _EXPORT_HEADERS])
    return out.getvalue().encode("utf-8")


_INSPECTOR_KEYS = ["code", "name", "role", "specialties", "region_code", "phone"]


def _inspectors(section: dict[str, Any], built: _World) -> None:
    pattern = section.get("account_password", "")
    built.report.inspector_password = pattern
    for row in section["list"]:
        inspector = Inspector.objects.filter(code=row["code"]).first()
        if inspector is None:
            spec = row
            if not row.get("user") and pattern:
                spec = row | {"user": _inspector_account(row, pattern, built)}
            inspector = _inspector_create(spec, section["certificate_issuers"], built)
            built.report.created["inspectors"] += 1
        built.inspectors[row["code"]] = inspector


def _inspector_account(row: dict[str, Any], pattern: str, built: _World) -> str:
    """The sign-in of an inspector the printed accounts do not cover; returns its user name."""
    username = row["code"].lower()
    password = pattern.format(username=username)
    department = built.departments[row["department"]]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = accounts.user_create(
            actor=ACTOR, username=username, password=password,
            role="expert" if row["role"] == "expert" else "inspector", department=department,
            full_name=row["name"])
        built.report.created["users"] += 1
        built.report.new_usernames.add(username)
    built.users[username] = user
    if built.report.inspector_example is None:
        built.report.inspector_example = Account(username=username, password=password,
                                                 role=user.get_role_display(),
                                                 department=department.name)
    return username


def _inspector_create(row: dict[str, Any], issuers: dict[str, str], built: _World) -> Inspector:
    department = built.departments[row["department"]]
    data = {key: row[key] for key in _INSPECTOR_KEYS if key in row}
    data |= {"department": department, "status_since": built.day(row["since"]),
             "user": built.users[row["user"]] if row.get("user") else None}
    inspector = inspectors.inspector_create(
        actor=ACTOR, data=data,
        id_number=complete_id_number(row["id_body"]) if row.get("id_body") else "",
        scope_item_ids=[built.items[code].pk for code in row.get("items", [])])
    certificate = row.get("certificate")
    if certificate:
        root = department.root or department
        inspectors.certificate_add(
            actor=ACTOR, inspector=inspector, number=certificate["number"],
            issuer=issuers[root.code], valid_from=built.day(certificate["valid_from"]),
            valid_to=built.day(certificate["valid_to"]))
    status = row.get("status")
    if status:
        inspector = inspectors.inspector_set_status(
            actor=ACTOR, inspector=inspector, status=status["status"],
            effective_on=built.day(status["effective_on"]), note=status.get("note", ""))
    return inspector


def _conflicts(rows: list[dict[str, Any]], built: _World) -> None:
    for row in rows:
        inspector, target = built.inspectors[row["inspector"]], built.targets[row["target"]]
        if Conflict.objects.filter(inspector=inspector, target=target,
                                   relation=row["relation"]).exists():
            continue
        conflict = inspectors.conflict_record(actor=ACTOR, data={
            "inspector": inspector, "target": target, "relation": row["relation"],
            "declared_by": row["declared_by"], "reason": row["reason"],
            "valid_from": built.day(row.get("valid_from")),
            "valid_to": built.day(row.get("valid_to"))})
        if row.get("revoked"):
            inspectors.conflict_revoke(actor=ACTOR, conflict=conflict, reason=row["revoked"])
        built.report.created["conflicts"] += 1


def _plan(section: dict[str, Any], built: _World) -> None:
    """The yearly plan: proposals by the sections, merged into entries, approved, published."""
    organisation = built.departments[section["organisation"]]
    year = built.on.year
    if AnnualPlan.objects.filter(organisation=organisation, year=year).exists():
        return
    plan = plans.plan_create(
        actor=ACTOR, organisation_id=organisation.pk, year=year,
        title=section["title"].format(year=year),
        leading_section_id=built.departments[section["leading_section"]].pk)
    proposals = {
        row["key"]: plans.plan_propose(
            actor=ACTOR, plan=plan, section_id=built.departments[row["section"]].pk,
            text=row["text"], item_ids=[built.items[code].pk for code in row["items"]])
        for row in section["proposals"]}
    for row in section["entries"]:
        data = {key: row[key] for key in ("name", "batch", "is_joint", "ratio") if key in row}
        data |= {key: built.day(row[key]) for key in ("starts_on", "ends_on") if key in row}
        plans.plan_add_entry(
            actor=ACTOR, plan=plan, data=data,
            item_ids=[built.items[code].pk for code in row["items"]],
            participant_ids=[built.departments[c].pk for c in row.get("participants", [])],
            proposal=proposals.get(row.get("proposal", "")))
    for status in (PlanStatus.APPROVED, PlanStatus.PUBLISHED):
        plan = plans.plan_set_status(actor=ACTOR, plan=plan, status=status)
    built.report.created["plans"] += 1


def _violation_categories(rows: dict[str, list[dict[str, str]]], built: _World) -> None:
    """Each organisation's own violation categories, beside the national result categories."""
    for code, categories in rows.items():
        organisation = built.departments[code]
        for row in categories:
            if not organisation.violation_categories.filter(code=row["code"]).exists():
                inspections.violation_category_set(actor=ACTOR, organisation=organisation,
                                                   **row)


def _risk_rules(rows: dict[str, list[dict[str, Any]]], built: _World) -> None:
    """The office's rules raising an entity's risk class (and so its sampling ratio)."""
    for code, rules in rows.items():
        organisation = built.departments[code]
        for row in rules:
            if not organisation.risk_rules.filter(trigger=row["trigger"]).exists():
                credit.risk_rule_save(actor=ACTOR, organisation_id=organisation.pk, data=row)


def _complaints(rows: list[dict[str, Any]], built: _World) -> None:
    """Complaints from the public form, handled as far as each row says (by the office)."""
    office = next(u for u in built.users.values() if u.role == "office")
    for row in rows:
        target = built.targets[row["target"]]
        if Complaint.objects.filter(target=target, summary=row["summary"]).exists():
            continue
        complaint = complaints.complaint_submit(
            target_id=target.pk, summary=row["summary"],
            complainant={"anonymous": bool(row.get("anonymous")), "name": row.get("name", ""),
                         "phone": row.get("phone", "")})
        built.report.created["complaints"] += 1
        if row.get("assign"):
            complaints.complaint_assign(actor=office, complaint=complaint,
                                        section=built.departments[row["assign"]])
        if row.get("reply"):
            complaints.complaint_reply(actor=office, complaint=complaint, reply=row["reply"])
        if "substantiated" in row:
            complaints.complaint_close(actor=office, complaint=complaint,
                                       substantiated=row["substantiated"])


def _dated(row: dict[str, Any], built: _World) -> dict[str, Any]:
    """The task's period as dates, and "{year}" in its code and name: the plan's year for a
    task of the plan, else the year its period begins (an earlier task may be last year's)."""
    start, end = built.day(row["period_start"]), built.day(row["period_end"])
    if start is None or end is None:
        raise DemoDataError(f"{row['code']}: a task needs its period")
    year = built.on.year if row.get("plan_entry") else start.year
    return row | {"period_start": start, "period_end": end,
                  "code": row["code"].format(year=year), "name": row["name"].format(year=year)}


def _task(row: dict[str, Any], built: _World) -> TaskLink:
    """A task, taken as far as the file says: created, frozen, drawn, started, replaced."""
    row = _dated(row, built)
    with transaction.atomic():
        task = InspectionTask.objects.filter(code=row["code"]).first() or _task_create(row, built)
        if row.get("freeze") and task.state == TaskState.DRAFT:
            # Planned for the moment of building: the office can hold the draw right away.
            draws.task_freeze(actor=ACTOR, task=task, planned_draw_at=timezone.now())
            built.report.created["frozen"] += 1
    task.refresh_from_db()
    ceremony = row.get("draw")
    if ceremony and task.state == TaskState.FROZEN:
        draws.draw_execute(actor=ACTOR, task=task, ceremony_input=ceremony["ceremony_input"],
                           witnesses=ceremony["witnesses"], source=ceremony["source"],
                           present=ceremony.get("present", []),
                           place=ceremony.get("place", ""))
        built.report.created["draws"] += 1
        task.refresh_from_db()
    with transaction.atomic():
        if row.get("start") and task.state == TaskState.DRAWN:
            task = plans.task_start(actor=ACTOR, task=task)
        if row.get("replace"):
            _replace(task, row["replace"], built)
    if row.get("results") and task.state == TaskState.IN_PROGRESS:
        entered = results.replay(task, row["results"], built.users[row.get("reviewer", "office")])
        if entered:
            built.report.created["results"] += entered
    waiting = task.participants.filter(invitation=Invitation.INVITED).exists()
    return TaskLink(code=task.code, pk=task.pk, state=task.state,
                    invited_by=task.initiating.name if waiting else "")


def _task_create(row: dict[str, Any], built: _World) -> InspectionTask:
    """A draft with its departments, checklist items, group sizes and stratum rules."""
    initiating = built.departments[row["initiating"]]
    data = {key: row[key] for key in ("code", "name", "period_start", "period_end", "ratio",
                                      "stratification", "method_text", "requirements_text")
            if key in row}
    if row.get("plan_entry"):
        data["plan_entry"] = PlanEntry.objects.get(plan__organisation=initiating,
                                                   plan__year=built.on.year,
                                                   name=row["plan_entry"])
    task = plans.task_create(actor=ACTOR, data=data | {"initiating": initiating})
    for part in row["departments"]:
        plans.task_set_department(
            actor=ACTOR, task=task, department_id=built.departments[part["department"]].pk,
            item_ids=[built.items[code].pk for code in part["items"]],
            officers=part.get("officers", 2), experts=part.get("experts", 0), role=part["role"])
    # Answered for the departments invited, but those left to answer on the demo (`invited`).
    waiting = {built.departments[p["department"]].pk for p in row["departments"]
               if p.get("invited")}
    for invited in task.participants.filter(invitation=Invitation.INVITED).exclude(
            department_id__in=waiting):
        plans.task_answer_invitation(actor=ACTOR, task=task,
                                     department_id=invited.department_id, accept=True)
    if row.get("strata"):
        plans.task_set_strata(actor=ACTOR, task=task, rules=row["strata"])
    built.report.created["tasks"] += 1
    return task


def _replace(task: InspectionTask, spec: dict[str, Any], built: _World) -> None:
    """替补 of the stratum's first drawn target (which one the draw decided), once per task."""
    drawn = DrawnTarget.objects.filter(task=task)
    if (task.state not in {TaskState.DRAWN, TaskState.IN_PROGRESS}
            or drawn.filter(replaced_at__isnull=False).exists()):
        return
    out = (drawn.filter(stratum=spec["stratum"], via_replacement=False)
           .order_by("position").values_list("ident", flat=True).first())
    if out is None:
        raise DemoDataError(f"{task.code}: nothing drawn in stratum {spec['stratum']}")
    draws.draw_replace(actor=ACTOR, task=task, ident=out, reason=spec["reason"])
    built.report.created["replacements"] += 1


def _accounts(rows: list[dict[str, Any]], built: _World) -> list[Account]:
    out = []
    for row in rows:
        user = built.users[row["username"]]
        # Someone may have changed a demo password since: say so rather than print a wrong one.
        changed = (user.username not in built.report.new_usernames
                   and not user.check_password(row["password"]))
        out.append(Account(username=user.username, password=row["password"],
                           role=str(user.get_role_display()),
                           department=str(user.department or ""), password_changed=changed))
    return out


def _joint_proposal(row: dict[str, Any], built: _World) -> None:
    """A proposal of the city's leading group office, left for the lead office to answer."""
    title = row["title"].format(year=built.on.year)
    if JointProposal.objects.filter(title=title).exists():
        return
    start = relative_date(row["from"], built.today, built.on) or built.on
    proposals.joint_proposal_create(
        actor=ACTOR, title=title, lead_id=built.departments[row["lead"]].pk,
        participant_ids=[built.departments[code].pk for code in row["participants"]],
        period_start=start, period_end=relative_date(row["to"], built.today, built.on) or start,
        scope=row["scope"])


def _nonrandom(row: dict[str, Any], built: _World) -> None:
    """An inspection the office chose (not drawn) of the first target a task drew (which one
    the draw picks depends on its secret): its second inspection of the year, so that the
    city's cap of two leaves it out of the next draw (国办发〔2024〕54号). Its group: the
    first two officers in post who may inspect the item and have not inspected the target."""
    link = next(t for t in built.report.tasks if t.code.endswith(row["after_task"]))
    name = row["name"].format(year=built.on.year)
    if InspectionTask.objects.filter(name=name).exists():
        return
    drawn = (DrawnTarget.objects.filter(task_id=link.pk, replaced_at__isnull=True)
             .select_related("target").order_by("ident").first())
    if drawn is None:
        return
    item = built.items[row["item"]]
    day = built.day(row["day"]) or built.today
    group = [built.inspectors[code] for code in row["inspectors"]]
    draws.nonrandom_create(actor=ACTOR, target=drawn.target, kind=row["kind"],
                           basis=row["basis"], reference=row.get("reference", ""), day=day,
                           item_ids=[item.pk], inspector_ids=[i.pk for i in group],
                           name=name, confirm_recent=True)
    built.report.created["tasks"] += 1
