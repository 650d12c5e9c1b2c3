"""Frozen pools, their digests, the commitment and the seed (protocol §1–§3)."""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from ..canonical import sha256_hex

UNSTRATIFIED = "ALL"
OFFICER = "officer"
EXPERT = "expert"


@dataclass(frozen=True)
class Candidate:
    id: str  # 统一社会信用代码 (upper case) or "X-<platform id>"
    stratum: str


@dataclass(frozen=True)
class PoolInspector:
    id: str
    department: str
    role: str  # OFFICER or EXPERT


def candidate_line(candidate: Candidate) -> str:
    return f"{candidate.id}\t{candidate.stratum}\n"


def inspector_line(inspector: PoolInspector) -> str:
    return f"{inspector.id}\t{inspector.department}\t{inspector.role}\n"


def sorted_lines(lines: Iterable[str]) -> list[str]:
    """Lines sorted by their UTF-8 bytes (not by Python's code-point order: same for ASCII)."""
    return sorted(lines, key=lambda line: line.encode("utf-8"))


def lines_digest(lines: Iterable[str]) -> str:
    """Hex SHA-256 of the concatenated, already sorted lines; streams, any size."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
    return h.hexdigest()


def new_server_secret() -> str:
    """32 random bytes from the operating system, as 64 lower-case hex characters."""
    return secrets.token_hex(32)


def commitment(server_secret: str) -> str:
    return sha256_hex(server_secret)


def make_seed(server_secret: str, ceremony_input: str, pool_digest: str,
              inspector_digest: str) -> str:
    return sha256_hex(f"{server_secret}:{ceremony_input}:{pool_digest}:{inspector_digest}")


def parse_candidate_line(line: str) -> Candidate:
    ident, stratum = line.rstrip("\n").split("\t")
    return Candidate(ident, stratum)


def parse_inspector_line(line: str) -> PoolInspector:
    ident, department, role = line.rstrip("\n").split("\t")
    return PoolInspector(ident, department, role)
