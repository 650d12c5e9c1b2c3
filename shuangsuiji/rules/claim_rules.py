"""Which department and role a unified-identity sign-in maps to (统一身份认证: claims → account).

The administrator keeps an ordered list of rules; each names a claim of the identity
provider's ID token or user info (a dotted path into nested objects: `org.code`), a value,
and whether that value is matched exactly or as a pattern (a regular expression that must
match the whole value). A claim holding a list (groups, roles) matches when any of its
items does. The first rule that matches decides; none matching means the sign-in is refused.
No Django here: the accounts app turns the outcome into an account (accounts/oidc.py).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# The longest pattern kept: a rule is an administrator's, not an attacker's, but a claim's
# value is the identity provider's; re.fullmatch on short patterns stays cheap.
MAX_PATTERN_LENGTH = 200


@dataclass(frozen=True)
class ClaimRule:
    """One line of the mapping: claim `claim` equal to (or matching) `value` → department, role."""

    claim: str
    value: str
    is_pattern: bool
    department_code: str
    role: str
    key: int = 0  # the stored rule's id, to say which rule decided


def pattern_error(value: str) -> str | None:
    """Why `value` cannot be used as a pattern, or None when it can."""
    if len(value) > MAX_PATTERN_LENGTH:
        return "too_long"
    try:
        re.compile(value)
    except re.error:
        return "invalid"
    return None


def claim_values(claims: Mapping[str, object], path: str) -> list[str]:
    """The claim's values as text: one for a string or number, each item's for a list, none
    when it is missing, empty or an object (a rule matches a value, never a structure)."""
    current: object = claims
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return []
        current = current[part]
    items: Sequence[object] = current if isinstance(current, list) else [current]
    values = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            text = str(item)
            if text:
                values.append(text)
    return values


def rule_matches(rule: ClaimRule, claims: Mapping[str, object]) -> bool:
    values = claim_values(claims, rule.claim)
    if rule.is_pattern:
        if pattern_error(rule.value) is not None:
            return False
        pattern = re.compile(rule.value)
        return any(pattern.fullmatch(value) for value in values)
    return rule.value in values


def first_match(rules: Iterable[ClaimRule], claims: Mapping[str, object]) -> ClaimRule | None:
    """The first rule (in the order given) that the claims satisfy, or None."""
    for rule in rules:
        if rule_matches(rule, claims):
            return rule
    return None


def stable_subject(claims: Mapping[str, object]) -> tuple[str, str] | None:
    """(issuer, subject): what identifies the person for good. Names and e-mails change and
    are reused; `sub` is unique and never reassigned within its issuer (OIDC Core §2)."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        return None
    return issuer, subject
