"""Search key: names folded for search (no diacritics, no case, no generic words).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:00:00
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# lower(unaccent()) folds 'Phường Tân Thuận Đông' to 'phuong tan thuan dong'; punctuation
# other than the '/' of alley numbers (458/12) becomes a space; then the generic words that
# people add or leave out (phường / P., hẻm, đường / Đ., số, quận / Q.) are dropped, so
# 'P. Tân Thuận Đông' and 'tan thuan dong' have the same key. IMMUTABLE, with the
# dictionary named, so that the key may be indexed.
SEARCH_KEY = r"""
CREATE FUNCTION urbanmap_search_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT btrim(regexp_replace(
        regexp_replace(
            regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, value)),
                           '[^a-z0-9/]+', ' ', 'g'),
            '\m(phuong|p|hem|duong|d|so|quan|q)\M', ' ', 'g'),
        ' +', ' ', 'g'))
$$
"""


def upgrade() -> None:
    # Trusted extensions: a database owner may create them without a superuser.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(SEARCH_KEY)


def downgrade() -> None:
    op.execute("DROP FUNCTION urbanmap_search_key(text)")
