"""A record file's big arrays read as bytes (record_file.py, verify_file.py): where a JSON
object's members are, whether an array body holds only plain strings, and the pool lines such
a body holds. The C fast path's functions when it is in use, else their Python equivalents
(`*_python`, the same answers: the tests call both and compare them).
"""

import re
from typing import Any, cast

from . import fast

Span = tuple[int, int, int, int, int]

_WS = frozenset(b" \t\n\r")
_END = frozenset(b",]} \n\r\t")
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
# A string, then more strings after commas: arrays of millions skipped by the regex engine.
_STRINGS = re.compile(rb'"(?:[^"\\]++|\\.)*+"(?:[ \t\n\r]*+,[ \t\n\r]*+"(?:[^"\\]++|\\.)*+")*+',
                      re.S)
_PLAIN = rb"[\x20\x21\x23-\x5b\x5d-\x7e]"
_PLAIN_IDS = re.compile(rb'"' + _PLAIN + rb'*+"(?:,"' + _PLAIN + rb'*+")*+')
_PLAIN_LINES = re.compile(rb'"(?:' + _PLAIN + rb'++|\\t)*+"(?:,"(?:' + _PLAIN + rb'++|\\t)*+")*+')


def members(data: Any) -> list[Span]:
    """The members of a JSON document's top-level object and of the objects that are their
    values: (depth, key_start, key_end, value_start, value_end), depth 0 for the top level;
    ValueError when it is not a JSON object (its structure only)."""
    if fast._fastpool is not None:
        return cast(list[Span], fast._fastpool.members(data))
    return members_python(data)


def count_plain(body: Any, tabs: bool) -> int:
    """How many strings a JSON array body holds when each is one canonical JSON writes byte for
    byte as it is (printable ASCII without '"' and '\\'; with `tabs`, also the escape \\t),
    else -1."""
    if fast._fastpool is not None:
        return int(fast._fastpool.count_plain(body, tabs))
    return count_plain_python(body, tabs)


def unquote_lines(body: Any) -> bytes | None:
    """The pool buffer "ID\\tS\\n…" a record's plain "lines" array body holds, or None."""
    if fast._fastpool is not None:
        return cast(bytes | None, fast._fastpool.unquote_lines(body))
    return unquote_lines_python(body)


def members_python(data: Any) -> list[Span]:
    spans: list[Span] = []
    skip = _Skipper(memoryview(data).cast("B"))
    i, end = skip.ws(0), -1
    if i < skip.n and skip.s[i] == ord("{"):
        end = skip.value(i, 0, 2, spans)
        if end >= 0:
            end = skip.ws(end)
    if end != skip.n:
        raise ValueError("not a JSON object")
    return spans


class _Skipper:
    """The C module's skip_value and its helpers, line for line: where JSON values end (their
    structure only), or -1."""

    def __init__(self, s: memoryview) -> None:
        self.s, self.n = s, len(s)

    def ws(self, i: int) -> int:
        s, n = self.s, self.n
        while i < n and s[i] in _WS:
            i += 1
        return i

    def string(self, i: int) -> int:
        match = _STRING.match(self.s, i)
        return match.end() if match else -1

    def value(self, i: int, depth: int, record_depth: int, spans: list[Span] | None) -> int:
        """The end of the value at s[i]; members of objects at depth < `record_depth` are
        appended to `spans`."""
        s, n = self.s, self.n
        if i >= n or depth > 512:
            return -1
        if s[i] == ord('"'):
            return self.string(i)
        if s[i] == ord("["):
            return self.array(i, depth)
        if s[i] == ord("{"):
            return self.object(i, depth, record_depth, spans)
        while i < n and s[i] not in _END:  # number, true, false, null
            i += 1
        return i

    def array(self, i: int, depth: int) -> int:
        s, n = self.s, self.n
        i = self.ws(i + 1)
        if i < n and s[i] == ord("]"):
            return i + 1
        while True:
            if i < n and s[i] == ord('"'):  # a run of strings at once
                match = _STRINGS.match(s, i)
                i = match.end() if match else -1
            else:
                i = self.value(i, depth + 1, 0, None)
            i = self.ws(i) if i >= 0 else n
            if i >= n or s[i] not in b",]":
                return -1
            if s[i] == ord("]"):
                return i + 1
            i = self.ws(i + 1)

    def object(self, i: int, depth: int, record_depth: int, spans: list[Span] | None) -> int:
        s, n = self.s, self.n
        i = self.ws(i + 1)
        if i < n and s[i] == ord("}"):
            return i + 1
        while True:
            key = i
            key_end = self.string(i) if i < n and s[i] == ord('"') else -1
            i = self.ws(key_end) if key_end >= 0 else n
            if i >= n or s[i] != ord(":"):
                return -1
            value = self.ws(i + 1)
            inner = record_depth if depth + 1 < record_depth else 0
            i = self.value(value, depth + 1, inner, spans if inner else None)
            if i < 0:
                return -1
            if spans is not None and depth < record_depth:
                spans.append((depth, key + 1, key_end - 1, value, i))
            i = self.ws(i)
            if i >= n or s[i] not in b",}":
                return -1
            if s[i] == ord("}"):
                return i + 1
            i = self.ws(i + 1)


def count_plain_python(body: Any, tabs: bool) -> int:
    view = memoryview(body).cast("B")
    if not len(view):
        return 0
    if (_PLAIN_LINES if tabs else _PLAIN_IDS).fullmatch(view) is None:
        return -1
    return view.tobytes().count(b'"') // 2


def unquote_lines_python(body: Any) -> bytes | None:
    if count_plain_python(body, True) < 0:
        return None
    data = memoryview(body).cast("B").tobytes()
    if not data:
        return b""
    return data[1:-1].replace(b'","', b"\n").replace(b"\\t", b"\t") + b"\n"
