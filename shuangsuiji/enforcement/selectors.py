from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from shuangsuiji.inspections import permissions
from shuangsuiji.inspections.models import FollowUp, Inspection

from .models import IssuedDocument, NumberingScheme


def documents_of(inspection: Inspection) -> QuerySet[IssuedDocument]:
    return IssuedDocument.objects.filter(inspection=inspection).select_related("issued_by")


def document_get(*, user: Any, pk: int) -> IssuedDocument:
    """404 unless the user may read the document's result (a document of another
    organisation's result is not there for them)."""
    document = (IssuedDocument.objects.select_related(
        "inspection__visit__task", "inspection__department", "organisation", "issued_by")
        .filter(pk=pk).first())
    if document is None or not permissions.can_view_result(user, document.inspection):
        raise Http404
    return document


def follow_ups_for(inspection: Inspection) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(inspection=inspection).order_by("created_at")


def scheme_of(organisation_id: int | None) -> NumberingScheme | None:
    return NumberingScheme.objects.filter(organisation_id=organisation_id).first()
