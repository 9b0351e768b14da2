"""Source ids in byte order: their unique index is built by memcmp, not the locale's rules.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The layer tables as of this revision (frozen here: the registry may change later).
TABLES = (
    "alleys", "apartments", "billboards", "bridges", "clinics", "convenience_stores",
    "epidemic_risk", "fire_apartments_no_hydrant", "fire_blocked_buildings",
    "fire_hydrant_gaps", "fire_narrow_alleys", "flood_risk", "food_businesses",
    "green_spaces", "health_stations", "hospitals", "hydrants", "malls", "markets",
    "pharmacies", "planning_zones", "roads", "spot_heights", "trash_points", "ward_epidemic",
    "wards", "water_areas", "waterways",
)


def _collate(collation: str) -> None:
    # Both are deterministic (equal means the same bytes), so ids unique under one are
    # unique under the other; PostgreSQL rebuilds the unique index in the new order.
    for table in TABLES:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN source_id TYPE text COLLATE {collation}')


def upgrade() -> None:
    _collate('"C"')


def downgrade() -> None:
    _collate('pg_catalog."default"')
