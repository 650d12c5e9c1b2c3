"""PostgreSQL's COPY text format, built as plain strings (no database driver needed).

Rows are given column by column, so each column is converted in one pass of C loops; the
result is fed to `COPY … FROM STDIN` as it is. Kept free of Django so that worker processes
checking a file in parallel can format their rows themselves.
"""

from collections.abc import Sequence
from typing import Any

# Backslash escapes of the text format; NULL is \N.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL_MARK = "\x00"  # never in a PostgreSQL text value, so safe as a placeholder


def copy_text(data: Sequence[Sequence[Any]]) -> str:
    """Rows in COPY text format; `data[i]` holds the i-th column's values."""
    if not data or not len(data[0]):
        return ""
    text_columns = [_column(values) for values in data]
    return "\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n"


def _column(values: Sequence[Any]) -> Sequence[str]:
    has_null = None in values
    texts: Sequence[Any] = [_NULL_MARK if v is None else v for v in values] if has_null \
        else values
    if set(map(type, texts)) != {str}:
        texts = [v if isinstance(v, str) else str(v) for v in texts]
    blob = "\x01".join(texts)
    if "\\" in blob or "\t" in blob or "\n" in blob or "\r" in blob:
        texts = [t.translate(_ESCAPES) for t in texts]
    if has_null:
        texts = ["\\N" if t == _NULL_MARK else t for t in texts]
    return texts
