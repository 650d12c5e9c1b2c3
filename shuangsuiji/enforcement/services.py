"""Issuing enforcement documents: who may, what each kind needs, and its number."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.scoping import organisation_id, user_organisation_id
from shuangsuiji.core.audit import audit_record
from shuangsuiji.inspections import permissions
from shuangsuiji.inspections.choices import FollowUpKind
from shuangsuiji.inspections.models import FollowUp, Inspection

from . import content
from .choices import WORDS, DocumentKind
from .models import DocumentCounter, IssuedDocument, NumberingScheme

# The follow-up each kind rests on (None: the inspection alone).
FOLLOW_UP_KINDS: dict[str, set[str] | None] = {
    DocumentKind.SITE_RECORD: None,
    DocumentKind.REFUSAL: None,
    DocumentKind.RECTIFY: {FollowUpKind.RECTIFY},
    DocumentKind.RECHECK: {FollowUpKind.RECTIFY},
    DocumentKind.CASE_TRANSFER: {FollowUpKind.JUDICIAL, FollowUpKind.PENALTY},
    DocumentKind.LEAD_TRANSFER: {FollowUpKind.REFER},
}


def format_number(abbreviation: str, word: str, year: int, serial: int) -> str:
    """晋人防检〔2026〕12号: the form of a 发文字号 (GB/T 9704), with hexagonal brackets."""
    return f"{abbreviation}{word}〔{year}〕{serial}号"


def scheme_set(*, actor: User | None, organisation: Department, abbreviation: str
               ) -> NumberingScheme:
    """Set the organisation's abbreviation in document numbers; audited. The organisation's
    office sets it (or the system: the demo)."""
    if actor is not None and user_organisation_id(actor) != organisation.pk \
            and not actor.is_superuser:
        raise PermissionDenied
    abbreviation = abbreviation.strip()
    if not abbreviation or any(c.isspace() or c in "〔〕[]" for c in abbreviation):
        raise ValidationError({"abbreviation": _(
            "Write the abbreviation as it stands in a document number, without spaces or "
            "brackets, e.g. 晋人防.")})
    scheme, _created = NumberingScheme.objects.update_or_create(
        organisation=organisation, defaults={"abbreviation": abbreviation})
    audit_record(actor=actor, action="enforcement.numbering", obj=scheme,
                 organisation_id=organisation.pk,
                 summary=_("Document numbers of {organisation} now begin with {abbreviation}")
                 .format(organisation=organisation.name, abbreviation=abbreviation),
                 data={"abbreviation": abbreviation})
    return scheme


def _next_serial(organisation: Department, word: str, year: int) -> int:
    """The next serial for this organisation, word and year. The UPDATE locks the counter's
    row (PostgreSQL) or the database (SQLite) until the transaction ends: a second clerk's
    issue waits, then takes the number after."""
    DocumentCounter.objects.get_or_create(organisation=organisation, word=word, year=year)
    DocumentCounter.objects.filter(organisation=organisation, word=word, year=year).update(
        last=F("last") + 1)
    return DocumentCounter.objects.get(organisation=organisation, word=word, year=year).last


def _check_follow_up(kind: str, inspection: Inspection, follow_up: FollowUp | None) -> None:
    wanted = FOLLOW_UP_KINDS[kind]
    if wanted is None:
        return
    if follow_up is None or follow_up.inspection_id != inspection.pk:
        raise ValidationError({"follow_up": _("Choose the follow-up of this result that the "
                                              "document rests on.")})
    if follow_up.kind not in wanted:
        raise ValidationError({"follow_up": _("A {document} rests on a follow-up of the kind "
                                              "{kinds}.").format(
            document=DocumentKind(kind).label,
            kinds="、".join(str(FollowUpKind(k).label) for k in sorted(wanted)))})
    if kind == DocumentKind.RECHECK and follow_up.recheck_on is None:
        raise ValidationError({"follow_up": _("Record the re-check on the follow-up first.")})


def document_issue(*, actor: User, inspection: Inspection, kind: str,
                   follow_up: FollowUp | None = None,
                   data: dict[str, Any] | None = None) -> IssuedDocument:
    """Issue a document of `kind` for `inspection`, numbered by its department's organisation;
    audited. The department's reviewers and its group members may."""
    if not permissions.can_follow_up(actor, inspection):
        raise PermissionDenied
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Unknown choice: {values}").format(values=kind)})
    _check_follow_up(kind, inspection, follow_up)
    if kind == DocumentKind.REFUSAL and not inspection.conduct:
        raise ValidationError(_("Record on the result that the entity refused, concealed or "
                                "falsified before issuing this record."))
    data = data or {}
    if kind in {DocumentKind.CASE_TRANSFER, DocumentKind.LEAD_TRANSFER} and not (
            data.get("recipient") or (follow_up and follow_up.referred_to)):
        raise ValidationError({"recipient": _("Name the organ or department it goes to.")})
    organisation = Department.objects.get(pk=organisation_id(inspection.department))
    scheme = NumberingScheme.objects.filter(organisation=organisation).first()
    if scheme is None:
        raise ValidationError(_("Set the abbreviation of {organisation} in document numbers "
                                "first.").format(organisation=organisation.name))
    today = timezone.localdate()
    word = WORDS[DocumentKind(kind)]
    for attempt in range(3):
        try:
            with transaction.atomic():
                serial = _next_serial(organisation, word, today.year)
                document = IssuedDocument.objects.create(
                    kind=kind, inspection=inspection, follow_up=follow_up,
                    organisation=organisation, word=word, year=today.year, serial=serial,
                    number=format_number(scheme.abbreviation, word, today.year, serial),
                    issued_on=today, issued_by=actor,
                    content=content.content_for(kind, inspection, follow_up, data))
                audit_record(
                    actor=actor, action="enforcement.issue", obj=document,
                    organisation_id=organisation.pk,
                    summary=_("{document} {number} issued for {target}").format(
                        document=DocumentKind(kind).label, number=document.number,
                        target=inspection.visit.drawn_target.ident),
                    data={"kind": kind, "number": document.number,
                          "inspection": inspection.pk,
                          "follow_up": follow_up.pk if follow_up else None})
                return document
        except IntegrityError:  # two first issues of a year created the counter at once
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
