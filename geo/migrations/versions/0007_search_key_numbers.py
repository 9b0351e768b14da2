"""Search key: numbers without leading zeros, so that 'Phường 07' is 'P.7' and 'hẻm 05' 'hẻm 5'.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 03:00:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# 0004's key, the words folded, keeps its body under a name that says what it does; the key
# is that with each number's leading zeros dropped ('07' → '7', '0' stays). Wards of most
# districts are numbered, written 'Phường 07' in one register and 'P.7' in the next.
NUMBERS_WITHOUT_ZEROS = r"""
CREATE FUNCTION urbanmap_search_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT regexp_replace(urbanmap_folded_words(value), '\m0+([0-9])', '\1', 'g')
$$
"""


def upgrade() -> None:
    op.execute("ALTER FUNCTION urbanmap_search_key(text) RENAME TO urbanmap_folded_words")
    op.execute(NUMBERS_WITHOUT_ZEROS)


def downgrade() -> None:
    op.execute("DROP FUNCTION urbanmap_search_key(text)")
    op.execute("ALTER FUNCTION urbanmap_folded_words(text) RENAME TO urbanmap_search_key")
