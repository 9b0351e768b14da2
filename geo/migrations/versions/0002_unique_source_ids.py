"""Unique source ids: loads match a layer's features on them (replace, upsert, append).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:39:34
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The layer tables as of this revision (frozen here: the registry may change later).
TABLES = (
    "alleys", "apartments", "billboards", "bridges", "clinics", "convenience_stores",
    "food_businesses", "green_spaces", "health_stations", "hospitals", "hydrants", "malls",
    "markets", "pharmacies", "planning_zones", "roads", "trash_points", "ward_epidemic",
    "wards", "water_areas", "waterways",
)
NEW_COMMENT = "The feature's id in its source; loads match features on it"
OLD_COMMENT = "The feature's id in its source"


def upgrade() -> None:
    for table in TABLES:
        # Rows loaded before this revision may lack an id or share one: give them their own.
        op.execute(f"UPDATE {table} SET source_id = 'fid:' || fid WHERE source_id IS NULL")
        op.execute(f"UPDATE {table} AS t SET source_id = t.source_id || '#' || t.fid "
                   f"FROM {table} AS first WHERE first.source_id = t.source_id "
                   "AND first.fid < t.fid")
        op.alter_column(table, "source_id", existing_type=sa.TEXT(), nullable=False,
                        comment=NEW_COMMENT, existing_comment=OLD_COMMENT)
        op.drop_index(f"ix_{table}_source_id", table_name=table)
        op.create_index(f"ix_{table}_source_id", table, ["source_id"], unique=True)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_source_id", table_name=table)
        op.create_index(f"ix_{table}_source_id", table, ["source_id"], unique=False)
        op.alter_column(table, "source_id", existing_type=sa.TEXT(), nullable=True,
                        comment=OLD_COMMENT, existing_comment=NEW_COMMENT)
