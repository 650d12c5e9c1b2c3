"""Rules of an inspection result that need no database: category consistency, what a result
must hold before it goes to review, and what an evidence file may be.

Errors are `RuleError`s with a code and English text; the app layer translates them.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import filetype

from .errors import RuleError, gettext_noop

# Mirrors inspections.choices (plain strings here: rules import no Django).
NO_PROBLEM = "no_problem"
PROBLEM_CATEGORIES = frozenset({"corrected", "pending", "not_disclosed", "false_disclosure",
                                "refused"})
NOT_INSPECTABLE = frozenset({"unreachable", "closed", "deregistered", "revoked_licence",
                             "cancelled", "moved"})
NON_COMPLIANT = "non_compliant"
REFUSED_CONDUCT = "refused"

# Evidence: what may be uploaded, decided from the file's bytes (the name can lie).
ALLOWED_TYPES = {"image/jpeg": {"jpg", "jpeg"}, "image/png": {"png"},
                 "application/pdf": {"pdf"}}
_FORBIDDEN_NAME_CHARS = set('/\\:*?"<>|') | {chr(c) for c in range(32)}


@dataclass(frozen=True)
class ResultDraft:
    """What has been entered for one department's result."""

    inspected_on: date | None
    methods: Collection[str]
    categories: Collection[str]
    conduct: str
    outcomes: Mapping[str, str]  # item code → outcome ("" when not filled in)
    signed_scan: bool  # a scan of the signed and sealed checklist is attached
    inspector_signatures: int
    representative_signed: bool


def check_categories(categories: Collection[str], outcomes: Iterable[str],
                     conduct: str) -> None:
    """Categories must not contradict each other or the checklist."""
    chosen = set(categories)
    if NO_PROBLEM in chosen and chosen & PROBLEM_CATEGORIES:
        raise RuleError(gettext_noop(
            "“No problem found” cannot be chosen together with a problem."))
    if NO_PROBLEM in chosen and NON_COMPLIANT in set(outcomes):
        raise RuleError(gettext_noop(
            "“No problem found” contradicts an item found not compliant."))
    if conduct == REFUSED_CONDUCT and NO_PROBLEM in chosen:
        raise RuleError(gettext_noop(
            "A refused inspection cannot be recorded as “no problem found”."))


def missing_for_submission(draft: ResultDraft, *, period_start: date, today: date,
                           required_inspectors: int = 2) -> list[str]:
    """Codes of what is missing before a result may go to review (empty: ready).

    A target that could not be inspected (closed, moved, unreachable, refused) needs no item
    findings and no representative's signature: there was no one to sign.
    """
    missing: list[str] = []
    if draft.inspected_on is None:
        missing.append("inspected_on")
    elif not period_start <= draft.inspected_on <= today:
        missing.append("inspected_on_range")
    if not draft.methods:
        missing.append("methods")
    if not draft.categories:
        missing.append("categories")
    not_inspected = bool(set(draft.categories) & NOT_INSPECTABLE) or (
        draft.conduct == REFUSED_CONDUCT)
    if not not_inspected and any(not o for o in draft.outcomes.values()):
        missing.append("findings")
    if not draft.signed_scan:
        if draft.inspector_signatures < required_inspectors:
            missing.append("inspector_signatures")
        if not not_inspected and not draft.representative_signed:
            missing.append("representative_signature")
    return missing


def check_evidence(name: str, head: bytes, size: int, *, max_bytes: int) -> str:
    """The content type of an acceptable evidence file, or a RuleError saying why not.

    `head` is the file's first bytes (261 are enough for the magic numbers).
    """
    if not name or name in {".", ".."} or set(name) & _FORBIDDEN_NAME_CHARS or ".." in name:
        raise RuleError(gettext_noop(
            "The file name “{name}” contains path or control characters."), name=name)
    if size <= 0:
        raise RuleError(gettext_noop("The file is empty."))
    if size > max_bytes:
        raise RuleError(gettext_noop(
            "The file is {size} bytes; at most {max_bytes} bytes are accepted."),
            size=size, max_bytes=max_bytes)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise RuleError(gettext_noop("Only JPEG and PNG photos and PDF documents are accepted."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES[mime]:
        raise RuleError(gettext_noop(
            "The file’s content is {mime} but its name ends in “.{extension}”."),
            mime=mime, extension=extension)
    return mime
