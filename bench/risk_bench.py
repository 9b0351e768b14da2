"""Risk overlay benchmark: every model on the District 7 sample, against the 30 s limit.

    .venv/bin/python bench/risk_bench.py [--repeat 3]

It starts its own PostGIS (an embedded LocalPostgis in a temporary directory), loads the
sample through the loaders (which compute every overlay once), then recomputes all models
together `--repeat` times, each time in one transaction as `urbanmap risk compute` does,
and prints each model's median time, the total against the issue's limit (all overlays
under 30 s on this 2-core machine), and the same total beside the time the sample's own
load took in this run. A measurement, not a test: it always exits 0 and is never collected
by pytest.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIMIT_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import text

    from geo import migrate, risk
    from geo.db import make_engine
    from geo.localdb import LocalPostgis
    from loaders.sample import load_sample

    home = Path(tempfile.mkdtemp(prefix="urbanmap-risk-bench-"))
    postgis = LocalPostgis(home, ephemeral=True)
    postgis.start()
    try:
        engine = make_engine(postgis.create_database("bench_risk"))
        migrate.upgrade(engine)
        started = time.perf_counter()
        load_sample(engine, home / "sample")
        sample_s = time.perf_counter() - started
        times: dict[str, list[float]] = {model_id: [] for model_id in risk.MODELS}
        totals: list[float] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with engine.begin() as conn:
                for model in risk.MODELS.values():
                    run = risk.compute(conn, model)
                    times[model.id].append(run.seconds)
            totals.append(time.perf_counter() - started)
        with engine.connect() as conn:
            counts = {model.id: conn.execute(text(
                f'SELECT count(*) FROM "{model.layer.table}"')).scalar_one()
                for model in risk.MODELS.values()}
    finally:
        postgis.stop()

    print(f"Risk overlays on the District 7 sample ({platform.node()}, {os.cpu_count()} CPUs, "
          f"{args.repeat} rounds, medians)\n")
    print(f"{'model':<24}{'overlay':<30}{'features':>9}{'seconds':>9}")
    for model in risk.MODELS.values():
        print(f"{model.id:<24}{model.layer_id:<30}{counts[model.id]:>9}"
              f"{statistics.median(times[model.id]):>9.2f}")
    total = statistics.median(totals)
    print(f"\nall models, one transaction: {total:.2f} s")
    print(f"  against the limit ({LIMIT_S:.0f} s): {total / LIMIT_S:.2f} of it "
          f"({'met' if total < LIMIT_S else 'MISSED'})")
    print(f"  against loading the whole sample in this run ({sample_s:.1f} s, overlays "
          f"included): {total / sample_s:.2f}")


if __name__ == "__main__":
    main()
