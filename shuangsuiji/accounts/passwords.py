"""Password validators: the policy of `rules/passwords.py` with messages in the user's language.

Listed in settings.AUTH_PASSWORD_VALIDATORS after Django's own (length, common passwords, all
digits), so every place a password is set — the change-password page, the administrator's
forms, the services — refuses the same passwords and shows the same policy.
"""

from typing import Any

from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from shuangsuiji.rules import passwords as rules


class PatternValidator:
    """Enough kinds of characters, and none of the patterns weak and demo passwords share."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        messages = {
            "classes": _("The password must mix at least {n} of: upper-case letters, "
                         "lower-case letters, digits, other characters.").format(
                             n=self.min_classes),
            "repeat": _("The password must not repeat one character {n} or more times in a "
                        "row.").format(n=rules.REPEAT_RUN),
            "sequence": _("The password must not contain a run of {n} characters in order on "
                          "the keyboard, in the alphabet or in digits (such as 1234, abcd, "
                          "qwer, 1qaz).").format(n=rules.SEQUENCE_RUN),
            "common_word": _("The password must not contain a common word or a role name "
                             "(here: \"{word}\"), even with letters written as digits or "
                             "symbols."),
            "year": _("The password must not contain a year or a date."),
        }
        problems = rules.pattern_problems(password, min_classes=self.min_classes)
        errors = []
        for code in problems:
            message = messages[code]
            if code == "common_word":
                message = message.format(word=rules.common_word(password))
            errors.append(ValidationError(message, code=f"password_{code}"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _("Your password must mix at least {n} of upper-case letters, lower-case "
                 "letters, digits and other characters, and must not contain runs such as "
                 "aaaa, 1234 or qwer, common words or role names (such as admin, password), "
                 "or a year.").format(n=self.min_classes)


class UserNameValidator:
    """The password does not contain the user name (nor the e-mail's name), even reversed."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        names = [getattr(user, "username", "") or "",
                 (getattr(user, "email", "") or "").partition("@")[0]]
        if rules.contains_user_name(password, names):
            raise ValidationError(_("The password must not contain the user name."),
                                  code="password_contains_username")

    def get_help_text(self) -> str:
        return _("Your password must not contain your user name.")


def _policy_html() -> str:
    items = format_html_join("", "<li>{}</li>", ((text,) for text in
                                                  password_validators_help_texts()))
    return format_html('<ul class="password-policy">{}</ul>', items)


# Evaluated when shown, in the language of that request (forms are built at import time).
policy_html = lazy(_policy_html, SafeString)


# Django's MinimumLengthValidator message, worded here as the rest of the policy is (密码长度太短…):
# named in this package so that makemessages keeps its translation in our catalogue.
TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.", "min_length")
