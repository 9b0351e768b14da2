"""Ward epidemic reports known by ward and day: their source ids, given by place in the file
before (a day's file has no ids), become "ward | day", as loads now make them
(`layers/health.py`, `loaders.values.natural_ids`).

Without this, the first correction upserted after the upgrade would not find the report it
corrects and would be added beside it. Only ids that are a row number change, and only where
the new id is free and would be unique: a ward and day reported twice keep their numbers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 07:00:00
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The separator as of this revision (loaders.values.KEY_SEPARATOR).
BY_WARD_AND_DAY = r"""
WITH renamed AS (
    SELECT fid, ward_name || ' | ' || report_date::text AS new_id
    FROM ward_epidemic
    WHERE source_id ~ '^[0-9]+$' AND ward_name IS NOT NULL AND report_date IS NOT NULL
),
unique_ids AS (
    SELECT new_id FROM renamed GROUP BY new_id HAVING count(*) = 1
)
UPDATE ward_epidemic AS report SET source_id = renamed.new_id
FROM renamed JOIN unique_ids USING (new_id)
WHERE report.fid = renamed.fid
  AND NOT EXISTS (SELECT FROM ward_epidemic AS other WHERE other.source_id = renamed.new_id)
"""


def upgrade() -> None:
    op.execute(BY_WARD_AND_DAY)


def downgrade() -> None:
    pass  # the ids name the same reports either way; the numbers are not worth restoring
