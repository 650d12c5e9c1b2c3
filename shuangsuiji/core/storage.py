"""Private files on storage every node reaches, and the few places that need a local path.

Everything stored (evidence, signatures, import files, exports, draw record files) goes
through Django's default storage: a directory shared by the nodes, or an S3-compatible bucket
(settings STORAGES, SHUANGSUIJI_S3_*). Code that must have a file on this machine's disk (a
large draw's record file is mapped into memory) asks `local_path`: the stored file itself on a
directory, else a copy in this node's cache (SHUANGSUIJI_LOCAL_CACHE_DIR) that was checked
when it was fetched and is fetched again when its size no longer matches the stored one.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import Storage, default_storage

BLOCK = 1 << 20


def local_directory(storage: Storage | None = None) -> Path | None:
    """The directory the storage keeps its files in, None for object storage."""
    storage = storage or default_storage
    try:
        return Path(storage.path(""))
    except NotImplementedError:
        return None


def scratch_directory() -> Path:
    """Where this node makes a file before it is stored: its own disk, never shared."""
    directory = Path(settings.SHUANGSUIJI_LOCAL_CACHE_DIR) / "tmp"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def copy_out(storage: Storage, name: str, out: IO[bytes]) -> None:
    with storage.open(name, "rb") as stored:
        for block in iter(lambda: stored.read(BLOCK), b""):
            out.write(block)


@contextmanager
def local_path(storage: Storage, name: str, *, check: Callable[[Path], bool]) -> Iterator[Path]:
    """A path on this machine with the stored file's bytes, for the `with` block. A copy
    fetched from object storage is kept only if `check(path)` holds (the caller's digest)."""
    directory = local_directory(storage)
    if directory is not None:
        yield Path(storage.path(name))
        return
    cache = Path(settings.SHUANGSUIJI_LOCAL_CACHE_DIR)
    target = (cache / name).resolve()
    if not target.is_relative_to(cache.resolve()):
        raise ValueError(f"stored name {name!r} leaves the cache")
    if not target.is_file() or target.stat().st_size != storage.size(name):
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as fh:
            try:
                copy_out(storage, name, fh)
                fh.close()
                if not check(Path(fh.name)):
                    raise ValueError(f"the stored file {name} does not match its digest")
                os.replace(fh.name, target)  # whole or not at all, for other processes too
            finally:
                if os.path.exists(fh.name):
                    os.unlink(fh.name)
    yield target


def walk(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every stored file's name under `directory`, sorted, through the storage's own API."""
    folders, files = storage.listdir(directory)
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for folder in sorted(folders):
        yield from walk(storage, f"{directory}/{folder}" if directory else folder)
