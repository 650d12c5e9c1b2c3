"""The result cards of the portal's lists: what one line of a list shows, worked out in Python.

The results page renders a card per result on every search. Done in the template, the checks
for withheld fields and two URL reversals per row were most of a request's time
(benchmarks/portal.py); here each URL pattern is reversed once per page.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse

from shuangsuiji.publication.models import PublishedResult

_MARK = "0"


@dataclass(frozen=True, slots=True)
class ResultCard:
    url: str
    name: str | None  # None: withheld
    uscc: str  # "" when the entity has no code (a placeholder) or it is withheld
    uscc_withheld: bool
    entity_url: str
    department_name: str
    published_on: str  # YYYY-MM-DD, as the portal writes dates
    result: str | None  # None: withheld
    conduct_text: str
    repaired_on: str = ""  # YYYY-MM-DD: 已信用修复 (the result and conduct are then not shown)


def _url_maker(name: str) -> Callable[[object], str]:
    """reverse(name, args=[value]) for many values at the cost of one reversal."""
    head, tail = reverse(name, args=[_MARK]).rsplit(_MARK, 1)
    return lambda value: f"{head}{quote(str(value), safe='')}{tail}"


def result_cards(rows: Iterable[PublishedResult]) -> list[ResultCard]:
    result_url, entity_url = _url_maker("portal:result"), _url_maker("portal:entity")
    cards = []
    for r in rows:
        withheld = set(r.withheld_fields or ())
        uscc_withheld = "uscc" in withheld
        # "X-…" marks a target registered without a code: nothing to link to.
        uscc = "" if uscc_withheld or not r.uscc or r.uscc.startswith("X-") else r.uscc
        cards.append(ResultCard(
            url=result_url(r.pk),
            name=None if "entity_name" in withheld else r.entity_name,
            uscc=uscc, uscc_withheld=uscc_withheld,
            entity_url=entity_url(uscc) if uscc else "",
            department_name=r.department_name, published_on=r.published_on.isoformat(),
            result=None if "result" in withheld else r.category_text,
            conduct_text=r.conduct_text,
            repaired_on=repaired.isoformat() if (repaired := getattr(r, "repaired_on", None))
            else ""))
    return cards
