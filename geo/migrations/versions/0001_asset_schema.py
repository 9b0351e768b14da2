"""Asset schema: one table per layer of the registry, layer versions and the load log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 20:20:00.404295
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alleys',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTILINESTRING', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('number', sa.Text(), nullable=True, comment='Alley number, e.g. 458/12 (hẻm 458/12)'),
    sa.Column('opens_from', sa.Text(), nullable=True, comment='Road the alley opens from, e.g. Huỳnh Tấn Phát'),
    sa.Column('width_m', sa.Float(), nullable=True, comment='Width (carriageway for ways, channel for water)'),
    sa.Column('surface', sa.Text(), nullable=True, comment='Surface: asphalt, concrete, paving_stones, unpaved …'),
    sa.Column('kind', sa.Text(), nullable=True, comment='Way kind: alley, service, footway, path'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Alleys (Hẻm): Alleys (hẻm): narrow lanes opening from a road, numbered like 458/12.'
    )
    op.create_index('ix_alleys_geom', 'alleys', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_alleys_geom_3857', 'alleys', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_alleys_source_id', 'alleys', ['source_id'], unique=False)
    op.create_table('apartments',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTIPOLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('floors', sa.Integer(), nullable=True, comment='Number of floors above ground'),
    sa.Column('units', sa.Integer(), nullable=True, comment='Number of dwellings'),
    sa.Column('year_built', sa.Integer(), nullable=True, comment='Year completed'),
    sa.Column('area_m2', sa.Float(), sa.Computed('ST_Area(geom)', persisted=True), nullable=True, comment='Area, measured from the geometry'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Apartment blocks (Chung cư): Apartment blocks (chung cư) with their size.'
    )
    op.create_index('ix_apartments_geom', 'apartments', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_apartments_geom_3857', 'apartments', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_apartments_source_id', 'apartments', ['source_id'], unique=False)
    op.create_table('billboards',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('width_m', sa.Float(), nullable=True, comment='Board width'),
    sa.Column('height_m', sa.Float(), nullable=True, comment='Board height'),
    sa.Column('licence_number', sa.Text(), nullable=True, comment='Number of the licence'),
    sa.Column('licence_expires', sa.Date(), nullable=True, comment='Date the licence expires'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Advertising billboards (Bảng quảng cáo): Outdoor advertising structures and their permits.'
    )
    op.create_index('ix_billboards_geom', 'billboards', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_billboards_geom_3857', 'billboards', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_billboards_source_id', 'billboards', ['source_id'], unique=False)
    op.create_table('bridges',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTILINESTRING', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('load_limit_t', sa.Float(), nullable=True, comment='Maximum vehicle weight'),
    sa.Column('clearance_m', sa.Float(), nullable=True, comment='Vertical clearance above water'),
    sa.Column('length_m', sa.Float(), nullable=True, comment='Length'),
    sa.Column('crosses', sa.Text(), nullable=True, comment='Waterway crossed'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Bridges (Cầu): Bridges (cầu) with the limits that matter to heavy vehicles and boats.'
    )
    op.create_index('ix_bridges_geom', 'bridges', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_bridges_geom_3857', 'bridges', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_bridges_source_id', 'bridges', ['source_id'], unique=False)
    op.create_table('clinics',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Clinics (Phòng khám): Clinics and polyclinics.'
    )
    op.create_index('ix_clinics_geom', 'clinics', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_clinics_geom_3857', 'clinics', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_clinics_source_id', 'clinics', ['source_id'], unique=False)
    op.create_table('convenience_stores',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Convenience stores (Cửa hàng tiện lợi): Convenience stores and minimarts.'
    )
    op.create_index('ix_convenience_stores_geom', 'convenience_stores', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_convenience_stores_geom_3857', 'convenience_stores', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_convenience_stores_source_id', 'convenience_stores', ['source_id'], unique=False)
    op.create_table('food_businesses',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('kind', sa.Text(), nullable=True, comment='restaurant, cafe, fast_food, food_stall, bakery …'),
    sa.Column('licence_number', sa.Text(), nullable=True, comment='Number of the licence'),
    sa.Column('licence_expires', sa.Date(), nullable=True, comment='Date the licence expires'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Licensed food businesses (Cơ sở kinh doanh thực phẩm): Businesses holding a food safety certificate (giấy chứng nhận an toàn thực phẩm).'
    )
    op.create_index('ix_food_businesses_geom', 'food_businesses', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_food_businesses_geom_3857', 'food_businesses', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_food_businesses_source_id', 'food_businesses', ['source_id'], unique=False)
    op.create_table('green_spaces',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTIPOLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('kind', sa.Text(), nullable=True, comment='park, garden, grass, playground, forest …'),
    sa.Column('public_access', sa.Boolean(), nullable=True, comment='Open to the public'),
    sa.Column('area_m2', sa.Float(), sa.Computed('ST_Area(geom)', persisted=True), nullable=True, comment='Area, measured from the geometry'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Green space (Mảng xanh): Parks, gardens, grass and other green space.'
    )
    op.create_index('ix_green_spaces_geom', 'green_spaces', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_green_spaces_geom_3857', 'green_spaces', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_green_spaces_source_id', 'green_spaces', ['source_id'], unique=False)
    op.create_table('health_stations',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Ward health stations (Trạm y tế phường): The health station of each ward (trạm y tế), first stop for vaccination and testing.'
    )
    op.create_index('ix_health_stations_geom', 'health_stations', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_health_stations_geom_3857', 'health_stations', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_health_stations_source_id', 'health_stations', ['source_id'], unique=False)
    op.create_table('hospitals',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('beds', sa.Integer(), nullable=True, comment='Number of inpatient beds'),
    sa.Column('emergency', sa.Boolean(), nullable=True, comment='Has an emergency department'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Hospitals (Bệnh viện): Hospitals, public and private.'
    )
    op.create_index('ix_hospitals_geom', 'hospitals', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_hospitals_geom_3857', 'hospitals', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_hospitals_source_id', 'hospitals', ['source_id'], unique=False)
    op.create_table('hydrants',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('code', sa.Text(), nullable=True, comment='Hydrant code painted on it'),
    sa.Column('status', sa.Text(), nullable=True, comment='working or out_of_service'),
    sa.Column('last_inspected', sa.Date(), nullable=True, comment='Date of the last inspection'),
    sa.Column('pressure_bar', sa.Float(), nullable=True, comment='Pressure measured at the last inspection'),
    sa.Column('street', sa.Text(), nullable=True, comment='Street it stands on'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Fire hydrants (Trụ nước chữa cháy): Outdoor fire hydrants, with their state at the last inspection.'
    )
    op.create_index('ix_hydrants_geom', 'hydrants', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_hydrants_geom_3857', 'hydrants', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_hydrants_source_id', 'hydrants', ['source_id'], unique=False)
    op.create_table('layer_versions',
    sa.Column('layer_id', sa.Text(), nullable=False),
    sa.Column('data_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('layer_id'),
    comment='Bumped by every load; part of tile cache keys so caches are never stale.'
    )
    op.create_table('loads',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('layer_id', sa.Text(), nullable=False),
    sa.Column('source_file', sa.Text(), nullable=False),
    sa.Column('mode', sa.Text(), nullable=False),
    sa.Column('loaded_by', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('inserted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    comment='One row per load: who loaded which file into which layer, and the counts.'
    )
    op.create_table('malls',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Shopping malls (Trung tâm thương mại): Shopping centres.'
    )
    op.create_index('ix_malls_geom', 'malls', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_malls_geom_3857', 'malls', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_malls_source_id', 'malls', ['source_id'], unique=False)
    op.create_table('markets',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('kind', sa.Text(), nullable=True, comment='market or supermarket'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Markets and supermarkets (Chợ, siêu thị): Traditional markets (chợ) and supermarkets.'
    )
    op.create_index('ix_markets_geom', 'markets', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_markets_geom_3857', 'markets', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_markets_source_id', 'markets', ['source_id'], unique=False)
    op.create_table('pharmacies',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('phone', sa.Text(), nullable=True, comment='Contact telephone'),
    sa.Column('opening_hours', sa.Text(), nullable=True, comment='Opening hours, OpenStreetMap syntax'),
    sa.Column('operator', sa.Text(), nullable=True, comment='Who runs it'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Pharmacies (Nhà thuốc): Licensed pharmacies.'
    )
    op.create_index('ix_pharmacies_geom', 'pharmacies', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_pharmacies_geom_3857', 'pharmacies', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_pharmacies_source_id', 'pharmacies', ['source_id'], unique=False)
    op.create_table('planning_zones',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTIPOLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('zone_code', sa.Text(), nullable=True, comment='Zone label on the plan, e.g. II-12'),
    sa.Column('land_use_code', sa.Text(), nullable=True, comment='Vietnamese land-use code (ODT, TMD, DGT, SON, DYT, DGD, DKV, CXT …)'),
    sa.Column('plan_name', sa.Text(), nullable=True, comment='Plan the zone belongs to'),
    sa.Column('max_floors', sa.Integer(), nullable=True, comment='Highest number of floors allowed'),
    sa.Column('floor_area_ratio', sa.Float(), nullable=True, comment='Floor area ratio (hệ số sử dụng đất)'),
    sa.Column('approved_on', sa.Date(), nullable=True, comment='Date the plan was approved'),
    sa.Column('land_use_category', sa.Text(), sa.Computed("CASE upper(land_use_code) WHEN 'BCS' THEN 'unused' WHEN 'CAN' THEN 'public' WHEN 'CQP' THEN 'public' WHEN 'CXT' THEN 'green' WHEN 'DCH' THEN 'commercial' WHEN 'DGD' THEN 'public' WHEN 'DGT' THEN 'transport' WHEN 'DKV' THEN 'green' WHEN 'DTL' THEN 'water' WHEN 'DTT' THEN 'public' WHEN 'DVH' THEN 'public' WHEN 'DYT' THEN 'public' WHEN 'MNC' THEN 'water' WHEN 'NTD' THEN 'public' WHEN 'ODT' THEN 'residential' WHEN 'SKC' THEN 'industrial' WHEN 'SKK' THEN 'industrial' WHEN 'SON' THEN 'water' WHEN 'TMD' THEN 'commercial' WHEN 'TON' THEN 'public' WHEN 'TSC' THEN 'public' END", persisted=True), nullable=True, comment='Broad category of the code'),
    sa.Column('area_m2', sa.Float(), sa.Computed('ST_Area(geom)', persisted=True), nullable=True, comment='Area, measured from the geometry'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Planning zones (Quy hoạch sử dụng đất): Land-use zones of the approved detailed plan, with the Vietnamese land-use code.'
    )
    op.create_index('ix_planning_zones_geom', 'planning_zones', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_planning_zones_geom_3857', 'planning_zones', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_planning_zones_source_id', 'planning_zones', ['source_id'], unique=False)
    op.create_table('roads',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTILINESTRING', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('kind', sa.Text(), nullable=True, comment='Road class'),
    sa.Column('width_m', sa.Float(), nullable=True, comment='Width (carriageway for ways, channel for water)'),
    sa.Column('lanes', sa.Integer(), nullable=True, comment='Number of traffic lanes'),
    sa.Column('surface', sa.Text(), nullable=True, comment='Surface: asphalt, concrete, paving_stones, unpaved …'),
    sa.Column('oneway', sa.Boolean(), nullable=True, comment='Traffic in one direction only'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Roads (Đường): Streets and roads, by class.'
    )
    op.create_index('ix_roads_geom', 'roads', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_roads_geom_3857', 'roads', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_roads_source_id', 'roads', ['source_id'], unique=False)
    op.create_table('trash_points',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('address', sa.Text(), nullable=True, comment='Street address'),
    sa.Column('collection_time', sa.Text(), nullable=True, comment='When it is collected, e.g. 18:00-22:00'),
    sa.Column('capacity_m3', sa.Float(), nullable=True, comment='Capacity'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Trash collection points (Điểm tập kết rác): Where household waste is gathered for collection.'
    )
    op.create_index('ix_trash_points_geom', 'trash_points', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_trash_points_geom_3857', 'trash_points', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_trash_points_source_id', 'trash_points', ['source_id'], unique=False)
    op.create_table('ward_epidemic',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('ward_name', sa.Text(), nullable=True, comment='Ward name, as in the wards layer'),
    sa.Column('ward_code', sa.Text(), nullable=True, comment='Ward administrative code, when the source has it'),
    sa.Column('report_date', sa.Date(), nullable=True, comment='Day the figures refer to'),
    sa.Column('new_cases', sa.Integer(), nullable=True, comment='New confirmed cases that day'),
    sa.Column('vaccinated_doses', sa.Integer(), nullable=True, comment='Vaccine doses given that day'),
    sa.Column('fully_vaccinated', sa.Integer(), nullable=True, comment='People with a full course, cumulative'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Ward epidemic reports (Tình hình dịch bệnh theo phường): Daily ward-level COVID-19 reports: new cases and vaccination. A table without geometry, joined to wards by name or code.'
    )
    op.create_index('ix_ward_epidemic_source_id', 'ward_epidemic', ['source_id'], unique=False)
    op.create_table('wards',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTIPOLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Ward name, e.g. Tân Thuận Đông'),
    sa.Column('code', sa.Text(), nullable=True, comment='Administrative unit code (mã đơn vị hành chính)'),
    sa.Column('population', sa.Integer(), nullable=True, comment='Resident population, for rates per 100,000'),
    sa.Column('area_m2', sa.Float(), sa.Computed('ST_Area(geom)', persisted=True), nullable=True, comment='Area, measured from the geometry'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Wards (Phường): Ward (phường) boundaries, the unit of local administration and statistics.'
    )
    op.create_index('ix_wards_geom', 'wards', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_wards_geom_3857', 'wards', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_wards_source_id', 'wards', ['source_id'], unique=False)
    op.create_table('water_areas',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTIPOLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('kind', sa.Text(), nullable=True, comment='river, canal, lake, pond, basin …'),
    sa.Column('area_m2', sa.Float(), sa.Computed('ST_Area(geom)', persisted=True), nullable=True, comment='Area, measured from the geometry'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Water areas (Mặt nước): Surface of rivers, canals, lakes and ponds.'
    )
    op.create_index('ix_water_areas_geom', 'water_areas', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_water_areas_geom_3857', 'water_areas', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_water_areas_source_id', 'water_areas', ['source_id'], unique=False)
    op.create_table('waterways',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=32648, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTILINESTRING', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('name', sa.Text(), nullable=True, comment='Name as used locally, Unicode NFC'),
    sa.Column('kind', sa.Text(), nullable=True, comment='river, canal, rach (tidal creek), stream …'),
    sa.Column('width_m', sa.Float(), nullable=True, comment='Width (carriageway for ways, channel for water)'),
    sa.Column('source_file', sa.Text(), nullable=True, comment='File the feature was loaded from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="The feature's id in its source"),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    comment='Rivers and canals (Sông, kênh, rạch): Centre lines of rivers (sông), canals (kênh) and tidal creeks (rạch).'
    )
    op.create_index('ix_waterways_geom', 'waterways', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_waterways_geom_3857', 'waterways', ['geom_3857'], unique=False, postgresql_using='gist')
    op.create_index('ix_waterways_source_id', 'waterways', ['source_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_waterways_source_id', table_name='waterways')
    op.drop_index('ix_waterways_geom_3857', table_name='waterways', postgresql_using='gist')
    op.drop_index('ix_waterways_geom', table_name='waterways', postgresql_using='gist')
    op.drop_table('waterways')
    op.drop_index('ix_water_areas_source_id', table_name='water_areas')
    op.drop_index('ix_water_areas_geom_3857', table_name='water_areas', postgresql_using='gist')
    op.drop_index('ix_water_areas_geom', table_name='water_areas', postgresql_using='gist')
    op.drop_table('water_areas')
    op.drop_index('ix_wards_source_id', table_name='wards')
    op.drop_index('ix_wards_geom_3857', table_name='wards', postgresql_using='gist')
    op.drop_index('ix_wards_geom', table_name='wards', postgresql_using='gist')
    op.drop_table('wards')
    op.drop_index('ix_ward_epidemic_source_id', table_name='ward_epidemic')
    op.drop_table('ward_epidemic')
    op.drop_index('ix_trash_points_source_id', table_name='trash_points')
    op.drop_index('ix_trash_points_geom_3857', table_name='trash_points', postgresql_using='gist')
    op.drop_index('ix_trash_points_geom', table_name='trash_points', postgresql_using='gist')
    op.drop_table('trash_points')
    op.drop_index('ix_roads_source_id', table_name='roads')
    op.drop_index('ix_roads_geom_3857', table_name='roads', postgresql_using='gist')
    op.drop_index('ix_roads_geom', table_name='roads', postgresql_using='gist')
    op.drop_table('roads')
    op.drop_index('ix_planning_zones_source_id', table_name='planning_zones')
    op.drop_index('ix_planning_zones_geom_3857', table_name='planning_zones', postgresql_using='gist')
    op.drop_index('ix_planning_zones_geom', table_name='planning_zones', postgresql_using='gist')
    op.drop_table('planning_zones')
    op.drop_index('ix_pharmacies_source_id', table_name='pharmacies')
    op.drop_index('ix_pharmacies_geom_3857', table_name='pharmacies', postgresql_using='gist')
    op.drop_index('ix_pharmacies_geom', table_name='pharmacies', postgresql_using='gist')
    op.drop_table('pharmacies')
    op.drop_index('ix_markets_source_id', table_name='markets')
    op.drop_index('ix_markets_geom_3857', table_name='markets', postgresql_using='gist')
    op.drop_index('ix_markets_geom', table_name='markets', postgresql_using='gist')
    op.drop_table('markets')
    op.drop_index('ix_malls_source_id', table_name='malls')
    op.drop_index('ix_malls_geom_3857', table_name='malls', postgresql_using='gist')
    op.drop_index('ix_malls_geom', table_name='malls', postgresql_using='gist')
    op.drop_table('malls')
    op.drop_table('loads')
    op.drop_table('layer_versions')
    op.drop_index('ix_hydrants_source_id', table_name='hydrants')
    op.drop_index('ix_hydrants_geom_3857', table_name='hydrants', postgresql_using='gist')
    op.drop_index('ix_hydrants_geom', table_name='hydrants', postgresql_using='gist')
    op.drop_table('hydrants')
    op.drop_index('ix_hospitals_source_id', table_name='hospitals')
    op.drop_index('ix_hospitals_geom_3857', table_name='hospitals', postgresql_using='gist')
    op.drop_index('ix_hospitals_geom', table_name='hospitals', postgresql_using='gist')
    op.drop_table('hospitals')
    op.drop_index('ix_health_stations_source_id', table_name='health_stations')
    op.drop_index('ix_health_stations_geom_3857', table_name='health_stations', postgresql_using='gist')
    op.drop_index('ix_health_stations_geom', table_name='health_stations', postgresql_using='gist')
    op.drop_table('health_stations')
    op.drop_index('ix_green_spaces_source_id', table_name='green_spaces')
    op.drop_index('ix_green_spaces_geom_3857', table_name='green_spaces', postgresql_using='gist')
    op.drop_index('ix_green_spaces_geom', table_name='green_spaces', postgresql_using='gist')
    op.drop_table('green_spaces')
    op.drop_index('ix_food_businesses_source_id', table_name='food_businesses')
    op.drop_index('ix_food_businesses_geom_3857', table_name='food_businesses', postgresql_using='gist')
    op.drop_index('ix_food_businesses_geom', table_name='food_businesses', postgresql_using='gist')
    op.drop_table('food_businesses')
    op.drop_index('ix_convenience_stores_source_id', table_name='convenience_stores')
    op.drop_index('ix_convenience_stores_geom_3857', table_name='convenience_stores', postgresql_using='gist')
    op.drop_index('ix_convenience_stores_geom', table_name='convenience_stores', postgresql_using='gist')
    op.drop_table('convenience_stores')
    op.drop_index('ix_clinics_source_id', table_name='clinics')
    op.drop_index('ix_clinics_geom_3857', table_name='clinics', postgresql_using='gist')
    op.drop_index('ix_clinics_geom', table_name='clinics', postgresql_using='gist')
    op.drop_table('clinics')
    op.drop_index('ix_bridges_source_id', table_name='bridges')
    op.drop_index('ix_bridges_geom_3857', table_name='bridges', postgresql_using='gist')
    op.drop_index('ix_bridges_geom', table_name='bridges', postgresql_using='gist')
    op.drop_table('bridges')
    op.drop_index('ix_billboards_source_id', table_name='billboards')
    op.drop_index('ix_billboards_geom_3857', table_name='billboards', postgresql_using='gist')
    op.drop_index('ix_billboards_geom', table_name='billboards', postgresql_using='gist')
    op.drop_table('billboards')
    op.drop_index('ix_apartments_source_id', table_name='apartments')
    op.drop_index('ix_apartments_geom_3857', table_name='apartments', postgresql_using='gist')
    op.drop_index('ix_apartments_geom', table_name='apartments', postgresql_using='gist')
    op.drop_table('apartments')
    op.drop_index('ix_alleys_source_id', table_name='alleys')
    op.drop_index('ix_alleys_geom_3857', table_name='alleys', postgresql_using='gist')
    op.drop_index('ix_alleys_geom', table_name='alleys', postgresql_using='gist')
    op.drop_table('alleys')
