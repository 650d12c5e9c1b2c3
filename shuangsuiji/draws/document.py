"""The draw's result as shown, and the written draw record (抽取记录) as printed.

Both need no request, only who is looking: the pages render them, and so does the worker
that prints the record of a large draw (jobs.py).
"""

from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from shuangsuiji.accounts.scoping import Domain, can
from shuangsuiji.core.anchors import AnchorReason, anchor_of
from shuangsuiji.plans import selectors as plan_selectors
from shuangsuiji.plans.models import InspectionTask

from . import selectors
from .models import DrawRecord


def result_context(*, user: Any, task: InspectionTask, draw: DrawRecord,
                   page: Callable[[list[Any]], Any] | None = None) -> dict[str, Any]:
    """The targets in force with the groups `user` may see; `page` picks the ones shown."""
    parts = selectors.record_parts(draw, "replacements", "strata", "commitment")
    in_force = selectors.result_targets(user=user, task=task, draw=draw,
                                        replacements=parts["replacements"])
    targets: Any = page(in_force) if page else in_force
    selectors.with_groups(user=user, task=task, draw=draw, views=list(targets))
    # an auditor reads the record's classes but not the directory behind them
    opens_targets = can(user, Domain.TARGETS)
    selectors.with_rows(user=user, task=task, views=list(targets), opens_targets=opens_targets)
    mode = selectors.view_mode(user=user, task=task)
    drawn, standby = selectors.drawn_and_standby(parts["strata"])
    return {
        "task": task, "draw": draw, "targets": targets, "in_force": in_force, "mode": mode,
        "internal": mode == selectors.INTERNAL, "commitment": parts["commitment"],
        "opens_targets": opens_targets,
        "history": selectors.replacement_history(draw, parts["replacements"]),
        "anchor": anchor_of(task, AnchorReason.DRAW),  # the audit chain's head after the draw
        "drawn_count": drawn, "standby": standby,
        "show_seed": not selectors.hides_tickets(user=user, task=task),
        "announcement": selectors.announcement(selectors.freeze_get(task),
                                               internal=mode == selectors.INTERNAL),
    }


def record_document(*, user: Any, task: InspectionTask, draw: DrawRecord,
                    for_pdf: bool) -> str:
    """The written draw record as a self-contained HTML page (print, or PDF)."""
    context = result_context(user=user, task=task, draw=draw)
    participants = plan_selectors.task_participants(task=task)
    context |= {"for_pdf": for_pdf, "printed_at": timezone.now(),
                "cooperating": [p.department for p in participants
                                if p.department_id != task.initiating_id],
                # Revealed by the draw (it is in the public record too): lets a reader check
                # the commitment against it.
                "server_secret": selectors.record_parts(draw, "server_secret")["server_secret"]}
    return render_to_string("draws/record_document.html", context)


def record_state(draw: DrawRecord) -> dict[str, Any]:
    """What a printed record depends on: the record as drawn and the replacements since."""
    replacements = selectors.record_parts(draw, "replacements")["replacements"] or []
    return {"record_digest": draw.record_digest, "replacements": len(replacements)}
