"""Risk models: small registered objects that compute the risk overlays in PostGIS.

A model names the layers it reads, its parameters (with defaults and units), what it does
and the SQL that does it (`geo/sql/risk_*.sql`). Its result is stored in its overlay layer
(`layers/risk.py`), so the overlay is served like any other layer. A load that changes an
input recomputes the model in the load's own transaction: readers see the new data and the
new overlay together, never one without the other.

The SQL files of a model run in order on one connection. All but the last prepare
temporary tables; the last is a SELECT that yields `source_id`, `geom` (EPSG:32648) and
the overlay's fields by name. Parameters are bound (`:threshold_m`), never formatted in.
Statements in a file end with `;` at the end of a line.

Several models run in one transaction: a step's temporary tables are dropped first
(`DROP TABLE IF EXISTS pg_temp.x`) and made `ON COMMIT DROP`. SQLAlchemy reads `:word` as a
bind parameter even inside a quoted string (such as the edge query handed to pgRouting),
so no literal may hold a colon directly followed by a word.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, TextClause, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from geo.catalog import bump_version, changed_layers, data_versions
from geo.errors import InvalidInput
from geo.queries import sql_text
from geo.schema import LAYER_TABLES, risk_runs
from layers import REGISTRY, LayerSpec

ParameterValue = float | str


@dataclass(frozen=True)
class Parameter:
    name: str
    default: ParameterValue
    description: str
    unit: str | None = None

    def parse(self, given: str | ParameterValue) -> ParameterValue:
        """The value of `--set name=given`, as the type of the default."""
        if isinstance(self.default, str):
            return str(given)
        try:
            value = float(given)
        except ValueError:
            raise InvalidInput(f"{self.name} takes a number ({self.unit or 'no unit'}), "
                               f"not {given!r}.") from None
        if value != value or value < 0:
            raise InvalidInput(f"{self.name} must be a number ≥ 0, not {given!r}.")
        return value


@dataclass(frozen=True)
class RiskModel:
    id: str
    layer_id: str
    summary: str
    method: str
    inputs: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    steps: tuple[str, ...]
    # Steps that need no pgRouting: used when the database lacks it (documented fallback).
    fallback_steps: tuple[str, ...] | None = None
    # A query (a file of geo/sql, run after the steps) of how many input rows the overlay
    # leaves out and a few of them, and how to say so; a load that recomputes the model
    # says it in its notes, so that nothing it loaded vanishes from the map unexplained.
    left_out: str | None = None
    left_out_note: str = "{count:,} input rows left out (e.g. {examples})"

    @property
    def layer(self) -> LayerSpec:
        return REGISTRY[self.layer_id]

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise InvalidInput(f"{self.id} has no parameter {name!r}; its parameters: {known}.")

    def defaults(self) -> dict[str, ParameterValue]:
        return {p.name: p.default for p in self.parameters}


@dataclass(frozen=True)
class RiskRun:
    model: RiskModel
    parameters: dict[str, ParameterValue]
    steps: str
    features: int
    seconds: float
    data_version: int
    left_out: str | None = None  # the model's left_out_note, when it left rows out

    def summary(self) -> str:
        return (f"{self.model.id} → {self.model.layer_id}: {self.features} features in "
                f"{self.seconds:.1f} s ({self.steps}; "
                + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in self.parameters.items()) + ")"
                + (f"\n  note: {self.left_out}" if self.left_out else ""))


MODELS: dict[str, RiskModel] = {}


def register(model: RiskModel) -> RiskModel:
    assert REGISTRY[model.layer_id].computed_by == model.id, model.id
    MODELS[model.id] = model
    return model


def get_model(model_id: str) -> RiskModel:
    try:
        return MODELS[model_id]
    except KeyError:
        raise InvalidInput(f"There is no risk model {model_id!r}. Models: "
                           f"{', '.join(MODELS)}.") from None


# -- running a model ----------------------------------------------------------------------

@cache
def statements(step: str) -> tuple[TextClause, ...]:
    parts = [part.strip() for part in sql_text(step).split(";\n")]
    return tuple(text(part) for part in parts if part and not _only_comments(part))


def _only_comments(part: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in part.splitlines())


def has_pgrouting(conn: Connection) -> bool:
    return bool(conn.execute(text(
        "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgrouting')")).scalar())


def stored_parameters(conn: Connection, model: RiskModel) -> dict[str, ParameterValue]:
    """The parameters the model was last computed with (defaults for any it lacks)."""
    stored = conn.execute(select(risk_runs.c.parameters)
                          .where(risk_runs.c.model_id == model.id)).scalar()
    values = model.defaults()
    for name, value in (stored or {}).items():
        if name in values:
            values[name] = value
    return values


def compute(conn: Connection, model: RiskModel,
            overrides: Mapping[str, str | ParameterValue] | None = None,
            defaults: bool = False) -> RiskRun:
    """Recompute the model's overlay inside the caller's transaction.

    `overrides` (from `urbanmap risk compute --set`) are kept for later recomputes;
    `defaults` forgets earlier ones.
    """
    started = time.perf_counter()
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"urbanmap:risk:{model.id}"))))
    parameters = model.defaults() if defaults else stored_parameters(conn, model)
    for name, value in (overrides or {}).items():
        parameters[name] = model.parameter(name).parse(value)
    steps = model.steps
    if model.fallback_steps is not None and not has_pgrouting(conn):
        steps = model.fallback_steps
    for step in steps[:-1]:
        for statement in statements(step):
            conn.execute(statement, _bound(statement, parameters))
    features = _store(conn, model, steps[-1], parameters)
    left_out = _left_out(conn, model)
    version = bump_version(conn, model.layer_id)
    _record(conn, model, parameters, "+".join(steps), features,
            time.perf_counter() - started)
    return RiskRun(model, parameters, "+".join(steps), features,
                   time.perf_counter() - started, version, left_out)


def _left_out(conn: Connection, model: RiskModel) -> str | None:
    if model.left_out is None:
        return None
    count, examples = conn.execute(statements(model.left_out)[-1]).one()
    return model.left_out_note.format(count=count, examples=", ".join(
        repr(example) for example in examples)) if count else None


def _bound(statement: TextClause, parameters: Mapping[str, ParameterValue]) -> dict:
    return {name: parameters[name] for name in statement._bindparams if name in parameters}


def _store(conn: Connection, model: RiskModel, step: str,
           parameters: Mapping[str, ParameterValue]) -> int:
    """Replace the overlay's rows with the result of the step's last statement."""
    *prepare, result = statements(step)
    for statement in prepare:
        conn.execute(statement, _bound(statement, parameters))
    spec = model.layer
    fields = [f.name for f in spec.fields]
    geom = "ST_Multi(result.geom)" if spec.geometry != "Point" else "result.geom"
    # Names come from the layer declaration and the model id, never from a request.
    store = text(
        f'INSERT INTO "{spec.table}" (source_id, geom, {", ".join(fields)}, source_file) '
        f"SELECT result.source_id, {geom}, "
        f"{', '.join('result.' + name for name in fields)}, 'risk:{model.id}' "
        f"FROM ({result.text}) AS result"
    )
    conn.execute(LAYER_TABLES[spec.id].delete())
    return conn.execute(store, _bound(result, parameters)).rowcount


def _record(conn: Connection, model: RiskModel, parameters: Mapping[str, ParameterValue],
            steps: str, features: int, seconds: float) -> None:
    versions = data_versions(conn)
    values = {
        "parameters": dict(parameters),
        "input_versions": {layer: versions.get(layer, 0) for layer in model.inputs},
        "steps": steps, "features": features, "seconds": round(seconds, 3),
        "computed_at": func.now(),
    }
    statement = pg_insert(risk_runs).values(model_id=model.id, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=[risk_runs.c.model_id],
                                                 set_=values))


# -- keeping overlays current ---------------------------------------------------------------

def affected_by(layer_ids: Iterable[str]) -> list[RiskModel]:
    """The models that read any of these layers, in registry order."""
    changed = set(layer_ids)
    return [model for model in MODELS.values() if changed & set(model.inputs)]


def refresh(conn: Connection) -> list[RiskRun]:
    """Recompute the models whose inputs changed in this transaction (see bump_version)."""
    changed = changed_layers(conn)
    runs = [compute(conn, model) for model in affected_by(changed)]
    changed.clear()
    return runs


@dataclass(frozen=True)
class ModelState:
    model: RiskModel
    computed_at: object | None
    features: int | None
    seconds: float | None
    steps: str | None
    parameters: dict[str, ParameterValue]
    stale_inputs: tuple[str, ...]

    @property
    def state(self) -> str:
        if self.computed_at is None:
            return "never computed"
        return "stale: " + ", ".join(self.stale_inputs) + " changed" if self.stale_inputs \
            else "current"


def model_states(conn: Connection) -> list[ModelState]:
    versions = data_versions(conn)
    runs = {row.model_id: row for row in conn.execute(select(risk_runs))}
    states = []
    for model in MODELS.values():
        run = runs.get(model.id)
        seen = (run.input_versions if run else {}) or {}
        stale = tuple(layer for layer in model.inputs
                      if run and seen.get(layer, 0) != versions.get(layer, 0))
        states.append(ModelState(model, run.computed_at if run else None,
                                 run.features if run else None, run.seconds if run else None,
                                 run.steps if run else None,
                                 stored_parameters(conn, model), stale))
    return states


def explain(model: RiskModel) -> str:
    """What the model does, its parameters and its SQL, for `urbanmap risk explain`."""
    lines = [f"{model.id} → layer {model.layer_id}", "", model.summary, "", model.method, "",
             "Inputs: " + ", ".join(model.inputs), "", "Parameters:"]
    lines += [f"  {p.name} = {p.default}{' ' + p.unit if p.unit else ''}: {p.description}"
              for p in model.parameters]
    for title, steps in (("SQL", model.steps), ("Fallback SQL (no pgRouting)",
                                                 model.fallback_steps or ())):
        for step in steps:
            lines += ["", f"-- {title}: geo/sql/{step}.sql",
                      sql_text(step).rstrip()]
    return "\n".join(lines)


# The models register themselves when their modules are imported.
from geo import risk_epidemic, risk_fire, risk_flood  # noqa: E402, F401
