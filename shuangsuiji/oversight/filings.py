"""年度报告备案: an organisation's office files its annual report with the city's leading
group office, once a year, as the PDF the dashboard makes that day; the city signs for it.
Both audited; the file's SHA-256 is in the entry, so the filed report can be checked later."""

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import is_admin, user_organisation_id
from shuangsuiji.core.audit import audit_record
from shuangsuiji.plans.selectors import is_office

from .models import ReportFiling


def may_file(actor: Any, organisation: Department) -> bool:
    """The organisation's organising office (or an administrator, or the system)."""
    return actor is None or is_admin(actor) or (
        is_office(actor) and user_organisation_id(actor) == organisation.pk)


def may_receive(actor: Any) -> bool:
    return actor is None or is_admin(actor) or getattr(actor, "role", None) == Role.CITY


def may_list(user: Any) -> bool:
    return may_receive(user) or getattr(user, "role", None) in {Role.OFFICE, Role.LEADER}


def filings_for(user: Any) -> QuerySet[ReportFiling]:
    """The city and administrators read every filing; an organisation's office and
    leadership their own; nobody else any."""
    qs = ReportFiling.objects.select_related("organisation", "filed_by", "received_by")
    if may_receive(user):
        return qs
    org = user_organisation_id(user)
    if org is None or not may_list(user):
        return qs.none()
    return qs.filter(organisation_id=org)


@transaction.atomic
def report_file_with_city(*, actor: Any, organisation: Department, year: int,
                          pdf: bytes) -> ReportFiling:
    """File the year's report (the PDF as made now); refused a second time for the year."""
    if not may_file(actor, organisation):
        raise PermissionDenied(_("Only the organisation's office files its annual report."))
    digest = hashlib.sha256(pdf).hexdigest()
    filing = ReportFiling(organisation=organisation, year=year, sha256=digest,
                          filed_by=actor if getattr(actor, "pk", None) else None)
    filing.file.save(f"annual-report-{organisation.code}-{year}.pdf", ContentFile(pdf),
                     save=False)
    try:
        with transaction.atomic():
            filing.save()
    except IntegrityError as exc:
        filing.file.delete(save=False)
        raise ValidationError(_("The {year} annual report is already filed with the city.")
                              .format(year=year)) from exc
    audit_record(actor=actor, action="report.file", obj=filing, organisation_id=organisation.pk,
                 summary=_("{year} annual report filed with the city").format(year=year),
                 data={"year": year, "sha256": digest, "bytes": len(pdf)})
    return filing


@transaction.atomic
def report_receive_filing(*, actor: Any, filing: ReportFiling) -> ReportFiling:
    """The city's leading group office signs for a filed report (签收), once."""
    if not may_receive(actor):
        raise PermissionDenied(_("Only the city's leading group office signs for a filing."))
    filing = ReportFiling.objects.select_for_update().get(pk=filing.pk)
    if filing.received_at:
        raise ValidationError(_("The filing has already been signed for."))
    filing.received_at = timezone.now()
    filing.received_by = actor if getattr(actor, "pk", None) else None
    filing.save(update_fields=["received_at", "received_by"])
    audit_record(actor=actor, action="report.filing_received", obj=filing,
                 organisation_id=filing.organisation_id,
                 summary=_("{year} annual report of {organisation}: filing signed for by the "
                           "city").format(year=filing.year, organisation=filing.organisation),
                 data={"sha256": filing.sha256})
    return filing
