"""Ids by natural keys of several fields: rows loaded from files without ids were known by
their row number; ward epidemic reports are now known by ward and day, and places (markets,
pharmacies, trash points …) by their name at their address, as loads now make their ids
(`layers/`, `loaders.values.natural_ids`).

Without this, the first load after the upgrade would not find the features it loads again:
a correction upserted would be added beside the report it corrects, and a list of
pharmacies loaded again would delete and insert every one. Only ids that are a row number
change, and only where the new id is free and would be unique: a ward and day reported twice,
or two places of one name at one address, keep their numbers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 07:00:00
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The tables and their keys as of this revision (frozen here: the registry may change later),
# joined by loaders.values.KEY_SEPARATOR.
KEYS = {
    "ward_epidemic": ("ward_name", "report_date::text"),
    **{table: ("name", "address") for table in (
        "markets", "malls", "convenience_stores", "food_businesses", "billboards",
        "hospitals", "clinics", "pharmacies", "health_stations", "trash_points")},
}

BY_KEY = r"""
WITH renamed AS (
    SELECT fid, {first} || ' | ' || {second} AS new_id
    FROM {table}
    WHERE source_id ~ '^[0-9]+$' AND {first} IS NOT NULL AND {second} IS NOT NULL
),
unique_ids AS (
    SELECT new_id FROM renamed GROUP BY new_id HAVING count(*) = 1
)
UPDATE {table} AS feature SET source_id = renamed.new_id
FROM renamed JOIN unique_ids USING (new_id)
WHERE feature.fid = renamed.fid
  AND NOT EXISTS (SELECT FROM {table} AS other WHERE other.source_id = renamed.new_id)
"""


def upgrade() -> None:
    for table, (first, second) in KEYS.items():
        op.execute(BY_KEY.format(table=table, first=first, second=second))


def downgrade() -> None:
    pass  # the ids name the same features either way; the numbers are not worth restoring
