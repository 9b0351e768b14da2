"""Natural keys of several fields as search compares them: a ward report is known by its
ward's name without case, diacritics or "Phường"/"P.", and a place by its name and address
so, as loads now make their ids (`loaders.values.natural_ids`, `geo.text.search_key`).

Without this, the first correction after the upgrade that writes the ward as "P. Tân
Phong" would not find the report of "Phường Tân Phong" loaded before: it would be added
beside it, and the epidemic levels would count the day's cases twice. Only ids made of the
key as written change (0008's and the loads' since), and only where the new id is free and
would be unique: a ward and day already reported under two spellings keep their ids.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 10:00:00
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The tables and their keys as of this revision (frozen: the registry may change later);
# for each part, its text as 0008 wrote it and as the new id has it.
WARD_DAY = (("ward_name", "urbanmap_search_key(ward_name)"),
            ("report_date::text", "report_date::text"))
NAME_AT_ADDRESS = (("name", "urbanmap_search_key(name)"),
                   ("address", "urbanmap_search_key(address)"))
KEYS = {
    "ward_epidemic": WARD_DAY,
    **{table: NAME_AT_ADDRESS for table in (
        "markets", "malls", "convenience_stores", "food_businesses", "billboards",
        "hospitals", "clinics", "pharmacies", "health_stations", "trash_points")},
}

AS_SEARCH_COMPARES = r"""
WITH renamed AS (
    SELECT fid, {first_key} || ' | ' || {second_key} AS new_id
    FROM {table}
    WHERE source_id = {first} || ' | ' || {second}
      AND {first_key} <> '' AND {second_key} <> ''
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
    for table, ((first, first_key), (second, second_key)) in KEYS.items():
        op.execute(AS_SEARCH_COMPARES.format(table=table, first=first, first_key=first_key,
                                             second=second, second_key=second_key))


def downgrade() -> None:
    pass  # the ids name the same features either way
