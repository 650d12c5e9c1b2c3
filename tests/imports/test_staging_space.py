"""Staging space is given back when the last import using it ends (PostgreSQL)."""
# ruff: noqa: S608 - table names from the models, values as parameters

import pytest
from django.db import connection

from shuangsuiji.imports import targets

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE and pg sizes"),
]


@pytest.fixture(autouse=True)
def _committed(transactional_db, allow_audit_flush):
    """Real commits (another process's rows); the flush at the end may empty the audit log."""

_ROWS = (f"INSERT INTO {targets.S} (job_id, row, entity_key, uscc, no_code_reason, name, "
         "entity_type, legal_rep, address, region_code, industry_code, registration_authority, "
         "locality, reg_status, risk_class, fingerprint, lic_key, lic_item, lic_decision_no, "
         "lic_authority) SELECT %s, n, 'k' || n, NULL, 'r', 'n', '', '', '', '', '', '', '', "
         "'active', '', '', '', '', '', '' FROM generate_series(1, 2000) n")


def _pages() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s)", [targets.S])
        return cursor.fetchone()[0]


def _stage(job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_ROWS, [job_id])


def test_the_last_job_to_clear_truncates_and_others_keep_their_rows():
    with connection.cursor() as cursor:  # rows other tests' worker processes committed
        cursor.execute(f"DELETE FROM {targets.S}")
    _stage(1)
    _stage(2)
    targets.clear_staging(1)
    assert _pages() > 0  # job 2 still staged: its rows stay
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {targets.S} WHERE job_id = 2")
        assert cursor.fetchone()[0] == 2000
    targets.clear_staging(2)
    assert _pages() == 0  # nothing left: the table's space is given back
