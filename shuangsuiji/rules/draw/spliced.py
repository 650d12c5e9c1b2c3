"""Canonical JSON with its big arrays kept as bytes (records of millions of lines).

A record's pool lines and standby lists are written, hashed and checked as bytes, never as a
Python string per line. In the document, each big array is a one-element list holding a
sentinel, a string made fresh for each use (so no value in a record can collide with it);
the canonical text is cut at each quoted sentinel and the array's body goes in its place.
"""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from ..canonical import canonical_json


def sentinel(name: str) -> str:
    return f"\x00{secrets.token_hex(8)}:{name}"


def segments(text: str, sentinels: Mapping[str, object]) -> list[tuple[str, str]]:
    """`text` cut at each quoted sentinel: (text before it, sentinel), …, (the rest, "")."""
    quoted = {canonical_json(s): s for s in sentinels}
    out: list[tuple[str, str]] = []
    rest = text
    while True:
        found = [(rest.find(q), q) for q in quoted if q in rest]
        if not found:
            out.append((rest, ""))
            return out
        index, q = min(found)
        out.append((rest[:index], quoted[q]))
        rest = rest[index + len(q):]


def digest(document: object, bodies: Mapping[str, Any],
           hashed: Callable[[Any], None] | None = None) -> str:
    """Hex SHA-256 of `document`'s canonical JSON with each sentinel's body spliced in;
    `hashed(body)` is called once a body is hashed."""
    hasher = hashlib.sha256()
    for text, key in segments(canonical_json(document), bodies):
        hasher.update(text.encode("utf-8"))
        if key:
            hasher.update(bodies[key])
            if hashed is not None:
                hashed(bodies[key])
    return hasher.hexdigest()
