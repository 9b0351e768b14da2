"""Long SQL statements, kept in geo/sql/*.sql and loaded once."""

import re
from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

SQL_DIR = Path(__file__).parent / "sql"
# A file may share steps with another through psql's own include command, on a line of its
# own (`\ir fire_network_edges.sql`): it still reads as one script, in a syntax SQL tools
# know, and the shared steps exist once (the hydrant models and the hydrant lookup).
INCLUDE = re.compile(r"^\\ir (\w+)\.sql$", re.MULTILINE)


@cache
def sql_text(name: str) -> str:
    r"""The text of geo/sql/{name}.sql with each `\ir other.sql` line replaced by that file."""
    source = (SQL_DIR / f"{name}.sql").read_text()
    return INCLUDE.sub(lambda included: sql_text(included.group(1)).rstrip("\n"), source)


@cache
def sql_file(name: str) -> TextClause:
    return text(sql_text(name))
