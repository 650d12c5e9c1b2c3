"""Translating the pure rules' errors for users (see shuangsuiji.rules.errors)."""

from django.utils.translation import gettext

from shuangsuiji.rules.errors import RuleError


def reason(error: RuleError) -> str:
    """The error in the active language (Chinese by default), parameters filled in."""
    return gettext(error.template).format(**error.params)
