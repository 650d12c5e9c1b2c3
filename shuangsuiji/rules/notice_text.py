"""Notice texts and their delivery schedule, without a database.

A template is plain text with `{name}` placeholders, which the office edits: only names a
notice of its kind offers are accepted, never attribute or index lookups (`{a.b}`, `{a[0]}`),
so an edited template cannot reach into the objects behind a notice.
"""

import re
import string

_FORMATTER = string.Formatter()
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


class TemplateError(ValueError):
    """A template that cannot be rendered; the message names the placeholder."""


def placeholders(template: str) -> list[str]:
    """The placeholder names of a template, in order, each once; TemplateError on a malformed
    brace or a placeholder that is not a plain name."""
    names: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(f"malformed braces: {exc}") from exc
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not _NAME.match(field) or spec or conversion:
            raise TemplateError(f"{{{field}}} is not a plain placeholder name")
        if field not in names:
            names.append(field)
    return names


def check(template: str, allowed: set[str]) -> None:
    """TemplateError naming the first placeholder a notice of this kind does not offer."""
    for name in placeholders(template):
        if name not in allowed:
            raise TemplateError(f"unknown placeholder {{{name}}}")


def render(template: str, values: dict[str, str]) -> str:
    """The text with each placeholder replaced by its value (a missing one: TemplateError)."""
    out: list[str] = []
    for literal, field, _spec, _conversion in _FORMATTER.parse(template):
        out.append(literal)
        if field is None:
            continue
        if field not in values:
            raise TemplateError(f"no value for {{{field}}}")
        out.append(str(values[field]))
    return "".join(out)


def backoff_seconds(attempts: int, *, base: int = 60, cap: int = 3600) -> int:
    """Wait before the next try after `attempts` failures: base, 2·base, 4·base … up to cap."""
    if attempts < 1:
        return 0
    factor: int = 2 ** min(attempts - 1, 30)
    return min(cap, base * factor)


def mask_email(value: str) -> str:
    """zhang.san@example.cn → z***@example.cn: enough to tell addresses apart, not to write."""
    local, at, domain = value.strip().partition("@")
    if not at:
        return "*" * len(local)
    return (local[:1] + "***" if local else "***") + "@" + domain


def scrub(text: str, secrets: list[str], masked: str) -> str:
    """`text` (an error message from a server) with every secret (the address) replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, masked)
    return text
