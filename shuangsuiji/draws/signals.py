"""What a draw tells the apps above it, which it does not import (draws comes before
inspections in the flow).

`targets_drawn` is sent with `task=` by the draw and by each replacement, once their drawn
targets are saved, in their transaction and before their audit entry. A receiver makes
what the task's targets in force need and do not have yet (inspections: the visits and
result sheets) and returns a dict of counts, which goes into the draw's or the
replacement's audit entry; an exception rolls the draw back.
"""

from typing import Any

from django.dispatch import Signal

targets_drawn = Signal()

# Sent after targets_drawn by the draw and each replacement, with `task=`,
# `drawn_target_ids=` (the targets that came in) and `replaced=` (None for the draw; the
# replaced target's `ident` and `reason`): the notices app tells the new groups' inspectors.
# A receiver returns counts for the audit entry, as for targets_drawn.
groups_drawn = Signal()


def send_targets_drawn(task: Any) -> dict[str, int]:
    """Send targets_drawn; what the receivers made, for the audit entry."""
    made: dict[str, int] = {}
    for _receiver, counts in targets_drawn.send(sender=type(task), task=task):
        made.update(counts or {})
    return made


def send_groups_drawn(task: Any, *, drawn_target_ids: list[int],
                      replaced: dict[str, str] | None) -> dict[str, int]:
    """Send groups_drawn; what the receivers wrote, for the audit entry."""
    made: dict[str, int] = {}
    for _receiver, counts in groups_drawn.send(sender=type(task), task=task,
                                               drawn_target_ids=drawn_target_ids,
                                               replaced=replaced):
        made.update(counts or {})
    return made


# `freeze_notes` is sent by the freeze page (office staff only) with `task=` and `targets=`
# (the pool's targets as they stand, a queryset). A receiver returns None or a dict with a
# `template` to include on the page and its context: credit flags the targets with many
# complaints (对投诉举报多…加大随机抽查力度), which draws cannot read itself. Read only.
freeze_notes = Signal()


def send_freeze_notes(task: Any, targets: Any) -> list[dict[str, Any]]:
    return [note for _receiver, note in freeze_notes.send(sender=type(task), task=task,
                                                          targets=targets) if note]


# `basis_check` is sent by draws.services.nonrandom_create with `kind=`, `reference=`,
# `organisation_id=` and `target=`, before anything is written: an app above that keeps what
# a reference names (credit: the complaints a 投诉举报核查 checks) returns None when the kind is
# not its concern, a dict for the audit entry when the reference names one of its records, and
# raises ValidationError when it names none of the organisation's or another entity's.
basis_check = Signal()


def send_basis_check(*, kind: str, reference: str, organisation_id: int,
                     target: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for _receiver, answer in basis_check.send(sender=None, kind=kind, reference=reference,
                                              organisation_id=organisation_id, target=target):
        found.update(answer or {})
    return found
