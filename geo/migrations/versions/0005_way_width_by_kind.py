"""Way width by kind: the estimated width of a road or alley whose width was never measured.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 09:00:00
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# One table for everything that needs a way's width when width_m is unknown: the fire-truck
# models (geo/sql/risk_way_widths.sql) and the way lookup (geo/lookup_ways.py), so the
# overlay and the field team's answer can never disagree. Keep it in step with the README
# ('Width by kind'). A kind outside the table (from another source), or none, counts as the
# layer's default: 'road' for roads, 'alley' for alleys.
#
# The estimates are the usable width of the carriageway, typical for Ho Chi Minh City:
#   motorway 22, trunk 20, primary 15, secondary 12, tertiary 9: multi-lane through
#     roads, far wider than a truck needs, the exact figure never matters here.
#   unclassified 6, residential 6, road 6: two lanes of about 3 m, the low end for
#     local streets.
#   living_street 4.5: one shared surface, often a wide hẻm given a street status.
#   service 4: driveways and access to estates, car parks and yards, usually one lane of
#     3.5 to 4.5 m. Unnamed hẻm are also often mapped as service: survey widths there.
#   alley 3: a numbered hẻm. Most in the inner districts are 2 to 4 m, and those wide
#     enough for a car (hẻm xe hơi, 4 m or more) are the exception, so 3 m.
#   pedestrian 2, footway 1.5, path 1.5, steps 1.5: walking ways. A pedestrian street
#     may be wider, but bollards and stalls keep vehicles out, so it is counted below
#     truck width, and a truck cannot climb steps at any width.
#
# A single CASE expression, IMMUTABLE: PostgreSQL inlines it into the calling query, so a
# model reading every way of the district pays nothing for the call.
ESTIMATED_WIDTH = r"""
CREATE FUNCTION urbanmap_estimated_width(way_layer text, kind text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE coalesce(kind, '')
        WHEN 'motorway' THEN 22.0 WHEN 'trunk' THEN 20.0 WHEN 'primary' THEN 15.0
        WHEN 'secondary' THEN 12.0 WHEN 'tertiary' THEN 9.0
        WHEN 'unclassified' THEN 6.0 WHEN 'residential' THEN 6.0 WHEN 'road' THEN 6.0
        WHEN 'living_street' THEN 4.5 WHEN 'service' THEN 4.0 WHEN 'alley' THEN 3.0
        WHEN 'pedestrian' THEN 2.0
        WHEN 'footway' THEN 1.5 WHEN 'path' THEN 1.5 WHEN 'steps' THEN 1.5
        -- The layer's default kind: 'road' (6 m) for roads, 'alley' (3 m) for alleys.
        ELSE CASE way_layer WHEN 'roads' THEN 6.0 ELSE 3.0 END
    END::double precision
$$
"""


def upgrade() -> None:
    op.execute(ESTIMATED_WIDTH)


def downgrade() -> None:
    op.execute("DROP FUNCTION urbanmap_estimated_width(text, text)")
