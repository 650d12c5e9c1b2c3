"""Translating the pure rules' errors for users (see shuangsuiji.rules.errors)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from shuangsuiji.rules.errors import RuleError

# Django's form label suffix. Its own Chinese catalogue leaves the ASCII colon; a Chinese
# government form ends a label with the full-width one, so this catalogue translates it
# (LOCALE_PATHS take precedence over Django's).
LABEL_SUFFIX = gettext_noop(":")


def reason(error: RuleError) -> str:
    """The error in the active language (Chinese by default), parameters filled in."""
    return gettext(error.template).format(**error.params)


def check_codes(obj: Any, **checks: Callable[[str], None]) -> None:
    """Run a pure rule over each named field of a model; a ValidationError naming every field
    whose value it refuses, in the user's language (for Model.clean)."""
    errors = {}
    for field, check in checks.items():
        try:
            check(getattr(obj, field) or "")
        except RuleError as exc:
            errors[field] = reason(exc)
    if errors:
        raise ValidationError(errors)
