"""Long SQL statements, kept in geo/sql/*.sql and loaded once."""

from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql_file(name: str) -> TextClause:
    return text((SQL_DIR / f"{name}.sql").read_text())
