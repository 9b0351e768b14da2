"""The schema: migrations go up and down on a fresh database and match the declarations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from geo import migrate
from geo.migrations_filter import include_object
from geo.schema import metadata
from layers import REGISTRY


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_fresh_database_migrates_up_with_a_table_per_layer(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    assert {spec.table for spec in REGISTRY.values()} <= _tables(fresh_engine)
    assert migrate.current_revision(fresh_engine) == migrate.head_revision()


def test_the_head_that_spares_importing_alembic_is_alembics_head() -> None:
    # A new migration with HEAD left behind would be skipped by every `urbanmap` command.
    assert migrate.HEAD == migrate.head_revision()


def test_a_database_behind_head_is_still_upgraded(migrated_engine: Engine) -> None:
    migrate.downgrade(migrated_engine, "0004")
    assert migrate.current_revision(migrated_engine) == "0004"
    migrate.upgrade(migrated_engine)
    assert migrate.current_revision(migrated_engine) == migrate.HEAD


def test_migrations_match_the_layer_declarations(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_migrating_down_removes_everything_and_up_again_restores_it(
        migrated_engine: Engine) -> None:
    migrate.downgrade(migrated_engine, "base")
    remaining = _tables(migrated_engine) & {t.name for t in metadata.sorted_tables}
    assert remaining == set()
    assert migrate.current_revision(migrated_engine) is None
    migrate.upgrade(migrated_engine)
    assert {t.name for t in metadata.sorted_tables} <= _tables(migrated_engine)


def test_storage_is_utm_48n_with_a_web_mercator_copy(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        srids = dict(conn.exec_driver_sql(
            "SELECT f_geometry_column, srid FROM geometry_columns WHERE f_table_name = 'roads'"
        ).all())
    assert srids == {"geom": 32648, "geom_3857": 3857}


def test_source_ids_are_kept_in_byte_order(migrated_engine: Engine) -> None:
    """Their unique index sorts by memcmp; the locale's rules would add nothing to equality."""
    with migrated_engine.connect() as conn:
        collations = dict(conn.exec_driver_sql(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name = 'source_id' AND table_schema = 'public'").all())
    assert set(collations) >= {spec.table for spec in REGISTRY.values()}
    assert set(collations.values()) == {"C"}


def test_a_layer_with_features_keeps_them_through_the_byte_order_migration(
        fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, "0005")
    with fresh_engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO hydrants (geom, code, status, source_id) VALUES "
            "(ST_SetSRID(ST_MakePoint(683000, 1185000), 32648), 'H1', 'working', 'Đ-1'), "
            "(ST_SetSRID(ST_MakePoint(683010, 1185000), 32648), 'H2', 'working', 'd-1')")
    migrate.upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT string_agg(source_id, ',' ORDER BY fid) FROM hydrants").scalar() \
            == "Đ-1,d-1"
        assert conn.exec_driver_sql(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'hydrants' AND column_name = 'source_id'").scalar() == "C"
        index = conn.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_hydrants_source_id'").scalar()
    assert index is not None and "UNIQUE" in index


def ids_after_upgrade(engine: Engine, revision: str, table: str, insert: str) -> list[str]:
    """The source ids of `table`, by fid, after rows put there at `revision` by `insert`
    (SQL) have been through the migrations since."""
    migrate.upgrade(engine, revision)
    with engine.begin() as conn:
        conn.exec_driver_sql(insert)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            f"SELECT source_id FROM {table} ORDER BY fid").scalars().all()


def test_ward_reports_loaded_before_are_known_by_ward_and_day(fresh_engine: Engine) -> None:
    """Loaded by an earlier release, their ids were row numbers; a correction upserted after
    the upgrade must find them. A ward and day reported twice keep their numbers."""
    ids = ids_after_upgrade(
        fresh_engine, "0007", "ward_epidemic",
        "INSERT INTO ward_epidemic (ward_name, report_date, new_cases, source_id) VALUES "
        "('Phường Tân Phong', '2021-11-01', 3, '1'), ('Phường Tân Hưng', '2021-11-01', 5, "
        "'2'), ('Phường Tân Hưng', '2021-11-02', 6, '3'), ('Phường Tân Hưng', "
        "'2021-11-02', 1, '4'), ('Phường Tân Quy', '2021-11-01', 2, 'BC-17')")
    assert ids == ["tan phong | 2021-11-01", "tan hung | 2021-11-01", "3", "4", "BC-17"]


def test_ward_reports_known_by_the_name_as_written_are_known_as_search_compares_it(
        fresh_engine: Engine) -> None:
    """Loaded at 0008, a report's id held its ward's name as written; from 0009 the next
    file's "P. Tân Phong" must find it. Two spellings of one ward and day keep their ids."""
    ids = ids_after_upgrade(
        fresh_engine, "0008", "ward_epidemic",
        "INSERT INTO ward_epidemic (ward_name, report_date, new_cases, source_id) VALUES "
        "('Phường Tân Phong', '2021-11-01', 3, 'Phường Tân Phong | 2021-11-01'), "
        "('Phường Tân Hưng', '2021-11-01', 5, 'Phường Tân Hưng | 2021-11-01'), "
        "('P. Tân Hưng', '2021-11-01', 1, 'P. Tân Hưng | 2021-11-01'), "
        "('Phường Tân Quy', '2021-11-01', 2, 'BC-17')")
    assert ids == ["tan phong | 2021-11-01", "Phường Tân Hưng | 2021-11-01",
                   "P. Tân Hưng | 2021-11-01", "BC-17"]


def test_places_loaded_before_are_known_by_name_and_address(fresh_engine: Engine) -> None:
    point = "ST_SetSRID(ST_MakePoint(683000, 1185000), 32648)"
    ids = ids_after_upgrade(
        fresh_engine, "0007", "pharmacies",
        f"INSERT INTO pharmacies (geom, name, address, source_id) VALUES "
        f"({point}, 'Nhà thuốc An Khang', '12 Nguyễn Thị Thập', '1'), "
        f"({point}, 'Nhà thuốc Long Châu', NULL, '2'), "
        f"({point}, 'Nhà thuốc 24h', '5 Huỳnh Tấn Phát', 'osm:node/7')")
    assert ids == ["nha thuoc an khang | 12 nguyen thi thap", "2", "osm:node/7"]


def test_zones_loaded_before_keep_their_categories_and_mixed_use_gets_its_own(
        fresh_engine: Engine) -> None:
    """0010 makes the category column again: every zone keeps its category, and one coded
    HH (only SQL could store it before) is mixed use."""
    migrate.upgrade(fresh_engine, "0009")
    square = "ST_Multi(ST_MakeEnvelope(683000, 1185000, 683100, 1185100, 32648))"
    with fresh_engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO planning_zones (geom, zone_code, land_use_code, source_id) VALUES "
            f"({square}, 'II-1', 'ODT', 'z1'), ({square}, 'II-2', 'cxt', 'z2'), "
            f"({square}, 'II-3', 'HH', 'z3')")
    migrate.upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT zone_code, land_use_category FROM planning_zones ORDER BY fid").all() == [
            ("II-1", "residential"), ("II-2", "green"), ("II-3", "mixed")]
    migrate.downgrade(fresh_engine, "0009")
    with fresh_engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT land_use_category FROM planning_zones ORDER BY fid").scalars().all() == [
            "residential", "green", None]
