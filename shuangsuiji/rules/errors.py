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


def detached(error: RuleError) -> RuleError:
    """The error without traceback or chained causes, fit to be kept in a list of problems.

    A caught exception's traceback holds the frames it passed through, and with them every
    local variable up the stack (a whole chunk of rows while a file is checked); kept in a
    list, it would keep all that alive until the garbage collector happens to run.
    """
    error.__traceback__ = error.__cause__ = error.__context__ = None
    return error
