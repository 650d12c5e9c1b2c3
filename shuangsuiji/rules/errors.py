"""Errors raised by the pure rules, carrying an English message template and its parameters.

The rules cannot import Django, so they cannot translate. Each message is marked with
`gettext_noop` (a local no-op that makemessages still extracts); the Django layer translates
the template into the user's language (Chinese by default) and then fills the parameters.
"""


def gettext_noop(message: str) -> str:
    return message


class RuleError(ValueError):
    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template.format(**params))
        self.template = template
        self.params = params

    @property
    def reason(self) -> str:
        """The untranslated message; use shuangsuiji.core.i18n.reason() for users."""
        return self.template.format(**self.params)
