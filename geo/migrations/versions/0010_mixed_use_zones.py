"""Mixed-use zones: a zone coded HH (đất hỗn hợp) is of the category "mixed".

Detailed plans of Ho Chi Minh City give many lots (in District 7, most of Phú Mỹ Hưng's
centre) this use, which the cadastre's codes do not have. PostgreSQL 15 cannot change a
generated column's expression, so the column is made again; no stored zone could have the
code before (loads refused it), so no value changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 13:30:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Code -> category as of this revision (frozen: layers/landuse_codes.py may change later).
BEFORE = {
    "BCS": "unused", "CAN": "public", "CQP": "public", "CXT": "green", "DCH": "commercial",
    "DGD": "public", "DGT": "transport", "DKV": "green", "DTL": "water", "DTT": "public",
    "DVH": "public", "DYT": "public", "MNC": "water", "NTD": "public", "ODT": "residential",
    "SKC": "industrial", "SKK": "industrial", "SON": "water", "TMD": "commercial",
    "TON": "public", "TSC": "public",
}
AFTER = {**BEFORE, "HH": "mixed"}


def _category_column(categories: dict[str, str]) -> None:
    cases = " ".join(f"WHEN '{code}' THEN '{category}'"
                     for code, category in sorted(categories.items()))
    op.execute("ALTER TABLE planning_zones DROP COLUMN land_use_category")
    op.execute("ALTER TABLE planning_zones ADD COLUMN land_use_category text GENERATED ALWAYS "
               f"AS (CASE upper(land_use_code) {cases} END) STORED")
    op.execute("COMMENT ON COLUMN planning_zones.land_use_category IS "
               "'Broad category of the code'")


def upgrade() -> None:
    _category_column(AFTER)


def downgrade() -> None:
    _category_column(BEFORE)
