"""Reads of the department tree that other apps need."""

from django.db.models import QuerySet

from .models import Department


def organisations() -> QuerySet[Department]:
    """The organisations: the active tops of department trees, by code (what an administrator
    chooses from, and the public site's department filter)."""
    return Department.objects.filter(parent__isnull=True, is_active=True).order_by("code")
