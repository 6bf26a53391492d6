"""Main-job throughput on Dask: the orbits stage (per-object batch LS and chunked EKF
tasks) of a 24-h day over the first 300 synthetic objects, on a LocalCluster with 1 and
with 2 single-threaded worker processes. Ratio: orbits per second with 2 workers over 1
(ideal 2.0 on an idle 2-core machine; this machine is shared)."""

from __future__ import annotations

import time

SCENARIO = """
name = "bench"
[run]
hours = 24.0
[truth]
max_objects = 300
[orbits]
batch_max_objects = 30
ekf_chunk = 32
"""


def run() -> dict:
    from distributed import LocalCluster

    from beltwatch.pipeline import (
        DaskExecutor,
        LocalExecutor,
        build_truth,
        correlate_and_discover,
        determine_orbits,
        observe,
        scenario_from_text,
    )
    from beltwatch.sensors import default_scenario

    config = scenario_from_text(SCENARIO, "bench")
    sensors = default_scenario()
    truth = build_truth(config, sensors)
    observed = observe(truth, sensors, config.observe, LocalExecutor())
    corr = correlate_and_discover(observed.table, truth.catalog, config.association)
    rates = {}
    for workers in (1, 2):
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            executor = DaskExecutor(cluster.scheduler_address)
            start = time.perf_counter()
            orbits = determine_orbits(
                corr, truth.catalog, truth.start, truth.stop, config.orbits, executor
            )
            seconds = time.perf_counter() - start
            executor.close()
        rates[workers] = len(orbits.states) / seconds
    return {
        "work": f"orbits stage, {len(truth.population)} objects, 24 h, {len(observed.table)} obs",
        "orbits_per_s_1_worker": round(rates[1], 2),
        "orbits_per_s_2_workers": round(rates[2], 2),
        "baseline": "the same stage on 1 worker",
        "ratio": round(rates[2] / rates[1], 2),
    }
