"""Where the checking processes of a large import put their good rows: straight into the
staging table, each over its own connection.

Runs in worker processes started without Django (see rules.parallel_check), so it imports
nothing but psycopg. Sending every checked row back to the parent only for the parent to
send it on to PostgreSQL cost the parent more CPU than it spent on anything else.
"""

from collections.abc import Mapping, Sequence

import psycopg


class BlockCopier:
    """COPYs blocks of rows in COPY text format into one table; each block commits alone.

    The staging table is scratch space cleared by job: a block written before the import
    stops is cleared with the rest.
    """

    def __init__(self, conninfo: Mapping[str, str | int], table: str,
                 columns: Sequence[str]) -> None:
        self.conninfo = dict(conninfo)
        self.statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.conn: psycopg.Connection | None = None

    def __call__(self, text: str | bytes) -> None:
        if not text:
            return
        if self.conn is None:
            self.conn = psycopg.connect(**self.conninfo, autocommit=True)
        with self.conn.cursor() as cursor, cursor.copy(self.statement) as copy:
            copy.write(text)
