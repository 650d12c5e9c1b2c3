"""Who may publish, withdraw, export and withhold, beyond the matrix in accounts/scoping.py.

谁检查、谁公示: a result is published by the organisation whose department inspected it — the
office (法宣科) of the civil air defence office publishes the office's results, a cooperating
department's staff (partner role) publish their own department's results, never the other's.
Leadership reads and approves redactions but does not publish.
"""

from typing import Any

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import is_admin, organisation_id, user_organisation_id

PUBLISHERS = {Role.OFFICE, Role.PARTNER}
# Approving that a result or some of its fields are withheld: the organisation's office or
# leadership (a cooperating department, whose staff all have the partner role: its staff).
REDACTORS = {Role.OFFICE, Role.LEADER, Role.PARTNER}


def _own(user: Any, department: Any) -> bool:
    return user_organisation_id(user) == organisation_id(department)


def can_publish(user: Any, department: Any) -> bool:
    """Publish, withdraw and export the results of `department` (an inspecting department)."""
    if is_admin(user):
        return True
    return (user.is_authenticated and user.is_active and user.role in PUBLISHERS
            and _own(user, department))


def can_redact(user: Any, department: Any) -> bool:
    if is_admin(user):
        return True
    return (user.is_authenticated and user.is_active and user.role in REDACTORS
            and _own(user, department))


def can_view(user: Any, department: Any) -> bool:
    return can_redact(user, department)
