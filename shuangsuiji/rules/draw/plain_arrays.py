"""A record file's big arrays read as bytes (record_file.py, verify_file.py): whether an
array body holds only plain strings, and the pool lines such a body holds. The C fast path's
functions when it is in use, else their Python equivalents (`*_python`, the same answers: the
tests call both and compare them).
"""

import re
from typing import Any, cast

from . import fast

_PLAIN = rb"[\x20\x21\x23-\x5b\x5d-\x7e]"
_PLAIN_IDS = re.compile(rb'"' + _PLAIN + rb'*+"(?:,"' + _PLAIN + rb'*+")*+')
_PLAIN_LINES = re.compile(rb'"(?:' + _PLAIN + rb'++|\\t)*+"(?:,"(?:' + _PLAIN + rb'++|\\t)*+")*+')


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
