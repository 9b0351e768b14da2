"""Which database objects the migrations own, shared by env.py and the drift test."""

from geoalchemy2 import alembic_helpers


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001 - Alembic's hook
    # Tables found in the database but not declared belong to extensions
    # (spatial_ref_sys, pgRouting, topology): not ours to drop.
    if type_ == "table" and reflected and compare_to is None:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
