"""What each audit action means, in the words of the office (审计日志的操作名称).

Every action a service writes with `audit_record` has a label here, grouped as the audit page's
filter shows them; `tests/core/test_audit_labels.py` walks the source and fails on an action
without one. An action missing from the table (an entry written by an older version) is shown
as it was stored.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ActionGroup:
    prefix: str
    label: Promise
    actions: tuple[tuple[str, Promise], ...]


GROUPS: tuple[ActionGroup, ...] = (
    ActionGroup("accounts", _("Accounts and sign-in"), (
        ("department.create", _("Add department")),
        ("department.update", _("Change department")),
        ("user.create", _("Add user account")),
        ("user.update", _("Change user account")),
        ("user.password", _("Set password")),
        ("user.audit_scope", _("Set the departments a user audits")),
        ("evaluator_grant.create", _("Open a period's records to a third-party evaluator")),
        ("evaluator_grant.revoke", _("Revoke a third-party evaluator's access")),
        ("login.lockout", _("Sign-in locked")),
        ("login.unlock", _("Sign-in lock lifted")),
        ("login.sso_refused", _("Unified sign-in refused")),
        ("sso_rule.create", _("Add sign-on rule")),
        ("sso_rule.update", _("Change sign-on rule")),
        ("sso_rule.delete", _("Remove sign-on rule")),
    )),
    ActionGroup("item", _("Inspection items"), (
        ("item.create", _("Add inspection item")),
        ("item.update", _("Change inspection item")),
        ("item.publish", _("Publish inspection item")),
        ("item.unpublish", _("Stop publishing inspection item")),
    )),
    ActionGroup("target", _("Inspection targets"), (
        ("target.create", _("Add inspection target")),
        ("target.update", _("Change inspection target")),
        ("target.contact_add", _("Add contact person")),
        ("target.contact_remove", _("Remove contact person")),
    )),
    ActionGroup("inspector", _("Inspectors"), (
        ("inspector.create", _("Add inspector")),
        ("inspector.update", _("Change inspector")),
        ("inspector.status", _("Change inspector's status")),
        ("inspector.certificate", _("Record law enforcement certificate")),
        ("conflict.record", _("Record conflict of interest")),
        ("conflict.revoke", _("Revoke conflict of interest")),
    )),
    ActionGroup("import", _("Data imports"), (
        ("import.targets", _("Import inspection targets")),
        ("import.inspectors", _("Import inspectors")),
        ("import.items", _("Import inspection items")),
        ("import.expire", _("Import stopped: no progress")),
    )),
    ActionGroup("plan", _("Annual plans"), (
        ("plan.create", _("Create annual plan")),
        ("plan.propose", _("Submit section's proposal")),
        ("plan.entry", _("Add plan entry")),
        ("plan.approved", _("Approve annual plan")),
        ("plan.published", _("Publish annual plan")),
        ("plan.file", _("File annual plan with the city")),
        ("plan.filing_received", _("Sign for an annual plan's filing")),
        ("joint_proposal.create", _("City proposes a joint task")),
        ("joint_proposal.take_up", _("Take up the city's joint task proposal")),
        ("joint_proposal.decline", _("Decline the city's joint task proposal")),
        ("report.file", _("File the annual report with the city")),
        ("report.filing_received", _("Sign for an annual report's filing")),
    )),
    ActionGroup("task", _("Inspection tasks"), (
        ("task.create", _("Create inspection task")),
        ("task.update", _("Change inspection task")),
        ("task.department", _("Add participating department")),
        ("task.invitation", _("Answer an invitation to a joint task")),
        ("task.department_remove", _("Remove participating department")),
        ("task.strata", _("Set stratified draw rules")),
        ("task.in_progress", _("Start carrying out task")),
        ("task.finished", _("Finish task")),
        ("task.closed", _("Close task")),
        ("task.claim", _("Claim inspection task")),
        ("city_policy.set", _("Set the city's inspection frequency rules")),
        ("evaluation_criteria.set", _("Set the city's evaluation criteria (考评)")),
    )),
    ActionGroup("draw", _("Random draw"), (
        ("freeze.queue", _("Freeze queued for background processing")),
        ("task.freeze", _("Freeze the draw pool")),
        ("draw.queue", _("Draw queued for background processing")),
        ("draw.execute", _("Public random draw")),
        ("draw.failed", _("Draw failed")),
        ("draw.replace", _("Replacement")),
        ("group.substitute", _("Inspector substituted (conflict of interest)")),
        ("draw.record_download", _("Download full draw record")),
        ("inspection.nonrandom", _("Record a non-random inspection")),
    )),
    ActionGroup("result", _("Inspection results"), (
        ("visit.schedule", _("Agree inspection date")),
        ("visit.inform", _("Inform entity of the result")),
        ("result.save", _("Enter inspection result")),
        ("result.evidence", _("Upload evidence")),
        ("result.signature", _("Sign inspection result")),
        ("result.submitted", _("Submit inspection result")),
        ("result.returned", _("Return result for correction")),
        ("result.approved", _("Review inspection result")),
        ("violation_category.set", _("Set violation category")),
    )),
    ActionGroup("field", _("Field app (offline inspection)"), (
        ("field.session_open", _("Open the field app on a phone")),
        ("field.session_revoke", _("Revoke a phone's field app access")),
        ("field.refused", _("Operation from a phone refused")),
    )),
    ActionGroup("followup", _("Follow-up"), (
        ("followup.create", _("Start follow-up")),
        ("followup.recheck", _("Record re-check")),
        ("followup.penalty", _("Record penalty decision")),
        ("followup.close", _("Close follow-up")),
    )),
    ActionGroup("enforcement", _("Enforcement documents"), (
        ("enforcement.issue", _("Issue enforcement document")),
        ("enforcement.numbering", _("Set document numbering")),
    )),
    ActionGroup("publication", _("Publication"), (
        ("result.publish", _("Publish inspection result")),
        ("result.withdraw", _("Withdraw publication")),
        ("result.redact", _("Withhold part of a published result")),
        ("result.repair", _("Credit repair of a published result")),
        ("redaction.approve", _("Approve withholding")),
        ("export.create", _("Export results to a credit platform")),
    )),
    ActionGroup("credit", _("Credit supervision"), (
        ("credit.risk_manual", _("Set credit risk class by hand")),
        ("credit.risk_rule", _("Credit risk class raised by a rule")),
        ("credit.risk_import", _("Import credit risk classes")),
        ("credit.rule_create", _("Add risk rule")),
        ("credit.rule_update", _("Change risk rule")),
        ("credit.rule_delete", _("Delete risk rule")),
        ("credit.blacklist_add", _("Put on blacklist")),
        ("credit.blacklist_remove", _("Remove from blacklist")),
        ("credit.complaint_add", _("Record complaint")),
        ("credit.complaint_receive", _("Receive complaint")),
        ("credit.complaint_assign", _("Assign complaint")),
        ("credit.complaint_reply", _("Reply to complaint")),
        ("credit.complaint_close", _("Close complaint")),
        ("credit.partner_query", _("Partner department's credit query")),
        ("credit.partner_token_create", _("Issue partner access key")),
        ("credit.partner_token_revoke", _("Revoke partner access key")),
    )),
    ActionGroup("calendar", _("Working-day calendar"), (
        ("calendar.day_set", _("Set working day or day off")),
        ("calendar.day_delete", _("Remove calendar day")),
        ("calendar.year_set", _("Set calendar year")),
    )),
    ActionGroup("delivery", _("Data exchange"), (
        ("delivery.collect", _("Records queued for the systems above")),
        ("delivery.retry", _("Push a failed delivery again")),
        ("supervision.export", _("Write a supervision behaviour data file")),
        ("licence.receive", _("Receive licences from the licensing bureau")),
    )),
    ActionGroup("notice", _("Notices"), (
        ("notice.retry", _("Send a failed notice again")),
        ("notice.template", _("Change notice template")),
    )),
    ActionGroup("entity", _("Entity portal"), (
        ("entity.code", _("Send an entity sign-in code")),
        ("entity.sign_in", _("Entity signed in")),
        ("entity.lockout", _("Entity sign-in locked out")),
        ("entity.request", _("Entity filed a request")),
        ("entity.answer", _("Answer an entity's request")),
    )),
    ActionGroup("crypto", _("Cryptography"), (
        ("audit.hash_algorithm", _("Change the audit chain's hash algorithm")),
        ("keys.rotate", _("Re-encrypt personal data with the current key")),
    )),
)

LABELS: dict[str, Promise] = {action: label for group in GROUPS for action, label in group.actions}

# Actions written from an f-string, and every value each placeholder can take (the test checks
# these against the choices they come from).
FAMILIES: dict[str, tuple[str, ...]] = {
    "task.{}": ("in_progress", "finished", "closed"),  # plans.services._advance
    "plan.{}": ("approved", "published"),  # plans.services.plan_set_status
    "result.{}": ("submitted", "returned", "approved"),  # inspections.services._move
    "import.{}": ("targets", "inspectors", "items"),  # imports.choices.ImportKind
    "credit.risk_{}": ("import", "rule", "manual"),  # credit.models.RiskSource
    "{}.queue": ("freeze", "draw"),  # draws.jobs._queue
}


def action_label(action: str) -> str:
    """The action as the office calls it; the stored action itself when it has no label."""
    label = LABELS.get(action)
    return str(label) if label is not None else action


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's options: per group, the whole group ("@prefix") then each of its actions."""
    return [(str(group.label),
             [(f"@{group.prefix}", str(_("All: {group}").format(group=group.label)))]
             + [(action, str(label)) for action, label in group.actions])
            for group in GROUPS]


def action_filter(value: str) -> Q:
    """The events a filter value selects: "@task" a group of the table, a labelled action
    itself, anything else the actions it begins (a prefix such as "target.", as before)."""
    if value.startswith("@"):
        group = next((g for g in GROUPS if g.prefix == value[1:]), None)
        if group is not None:
            return Q(action__in=[action for action, _label in group.actions])
    if value in LABELS:
        return Q(action=value)
    return Q(action__startswith=value)
