"""Product throughput: UDL-style JSON and CCSDS TDM writing/reading, the release gate, OMM export.

Each figure is compared with a baseline measured in the same run on the same data:

* UDL-JSON write: ``udl_json`` (dicts built, schema-validated, encoded) vs plain
  ``json.dumps`` of the same dicts; read: ``observations_from_udl(json.loads(...))``
  (validated, typed) vs plain ``json.loads``.
* TDM write: ``encode_message(tdm_from_observations(...))`` vs the same numbers
  formatted into ``EPOCH = ... ANGLE_1 = ...`` lines by one f-string each; read:
  ``observations_from_tdm(parse_messages(...))`` vs splitting those lines and
  ``float()``-ing the values.
* Release gate: ``release()`` to a partner (decision, sanitisation of the records a
  rule lets out, decisions for the audit) vs a plain list filter on a precomputed
  set of allowed markings, and vs a list filter calling ``Policy.releasable``.
* OMM export: orbit states fitted to SGP4 elements and written (per orbit).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.formats import (
    encode_message,
    observations_from_tdm,
    observations_from_udl,
    parse_messages,
    tdm_from_observations,
    udl_json,
    udl_records,
)
from beltwatch.sharing import ElementFit, export, load_policy, release
from beltwatch.values import Markings, Observation, OrbitState

T0 = Time("2026-05-24T00:00:00", scale="utc")
MARK = Markings("USA", "PARTNER", frozenset({"FVEY", "JPN"}))
# Mixed markings for the gate: released directly, through a rule, or withheld.
GATE_MARKINGS = [
    MARK,
    Markings("USA", "RESTRICTED", frozenset({"FVEY"})),
    Markings("USA", "RESTRICTED", frozenset()),
    Markings("JPN", "PUBLIC", frozenset({"MN_CELL"})),
]


def _observations(n: int, markings: list[Markings], seed: int = 7) -> list[Observation]:
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.uniform(0.0, 86400.0, n))
    times = T0 + TimeDelta(seconds, format="sec")
    ang = rng.uniform(0.0, 2 * np.pi, n)
    ra, dec = rng.uniform(0.0, 2 * np.pi, n), rng.uniform(-0.3, 0.3, n)
    out = []
    for i in range(n):
        out.append(
            Observation(
                obs_id=f"o{i}",
                time=times[i],
                ra_rad=float(ra[i]),
                dec_rad=float(dec[i]),
                ra_sigma_rad=5e-6,
                dec_sigma_rad=5e-6,
                observer_position_km=42164.0 * np.array([np.cos(ang[i]), np.sin(ang[i]), 0.0]),
                observer_velocity_km_s=3.07 * np.array([-np.sin(ang[i]), np.cos(ang[i]), 0.0]),
                sensor_id="101",
                markings=markings[i % len(markings)],
                magnitude=float(12.0 + (i % 50) * 0.1),
                norad_id=10000 + i % 500,
            )
        )
    return out


def _best(fn, repeats: int = 2) -> tuple[float, object]:
    best, result = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _plain_tdm_lines(observations: list[Observation]) -> str:
    lines = []
    for obs in observations:
        epoch = obs.time.utc.isot
        lines.append(f"EPOCH = {epoch} ANGLE_1 = {math.degrees(obs.ra_rad) % 360.0:.9f}")
        lines.append(f"EPOCH = {epoch} ANGLE_2 = {math.degrees(obs.dec_rad):.9f}")
    return "\n".join(lines)


def _plain_tdm_parse(text: str) -> list[float]:
    return [float(line.rsplit("=", 1)[1]) for line in text.splitlines()]


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1)


def run(n: int = 100_000, n_gate: int = 100_000, n_orbits: int = 4) -> dict:
    figures: dict = {"observations": n}
    obs = _observations(n, [MARK])

    # UDL-style JSON
    t_write, text = _best(lambda: udl_json(obs))
    dicts = udl_records(obs)
    t_dumps, _ = _best(lambda: json.dumps(dicts, indent=1))
    t_read, back = _best(lambda: observations_from_udl(json.loads(text)))
    t_loads, _ = _best(lambda: json.loads(text))
    assert len(back) == n
    figures["udl_write_obs_per_s"] = _rate(n, t_write)
    figures["baseline_json_dumps_obs_per_s"] = _rate(n, t_dumps)
    figures["ratio_udl_write_over_json_dumps"] = round(t_write / t_dumps, 2)
    figures["udl_read_obs_per_s"] = _rate(n, t_read)
    figures["baseline_json_loads_obs_per_s"] = _rate(n, t_loads)
    figures["ratio_udl_read_over_json_loads"] = round(t_read / t_loads, 2)

    # CCSDS TDM (KVN)
    t_tdm_write, tdm = _best(lambda: encode_message(tdm_from_observations(obs)))
    t_plain_write, plain = _best(lambda: _plain_tdm_lines(obs))
    t_tdm_read, tdm_back = _best(
        lambda: [o for m in parse_messages(tdm) for o in observations_from_tdm(m)]
    )
    t_plain_read, _ = _best(lambda: _plain_tdm_parse(plain))
    assert len(tdm_back) == n
    figures["tdm_write_obs_per_s"] = _rate(n, t_tdm_write)
    figures["baseline_fstring_lines_obs_per_s"] = _rate(n, t_plain_write)
    figures["ratio_tdm_write_over_fstring_lines"] = round(t_tdm_write / t_plain_write, 2)
    figures["tdm_read_obs_per_s"] = _rate(n, t_tdm_read)
    figures["baseline_split_float_obs_per_s"] = _rate(n, t_plain_read)
    figures["ratio_tdm_read_over_split_float"] = round(t_tdm_read / t_plain_read, 2)

    # The release gate, MN_CELL: some direct, some through observations-drop-sensor, some not.
    policy = load_policy()
    records = _observations(n_gate, GATE_MARKINGS, seed=8)
    seat = policy.partner("MN_CELL")
    allowed = {m for m in GATE_MARKINGS if policy.releasable(m, seat)}
    t_gate, result = _best(lambda: release(records, "observations", "MN_CELL", policy))
    t_filter, direct = _best(lambda: [r for r in records if r.markings in allowed])
    t_decide, _ = _best(lambda: [r for r in records if policy.releasable(r.markings, seat)])
    figures["gate_records"] = n_gate
    figures["gate_released"] = len(result.records)
    figures["gate_released_directly"] = len(direct)
    figures["gate_records_per_s"] = _rate(n_gate, t_gate)
    figures["baseline_list_filter_records_per_s"] = _rate(n_gate, t_filter)
    figures["ratio_gate_over_list_filter"] = round(t_gate / t_filter, 1)
    figures["policy_releasable_filter_records_per_s"] = _rate(n_gate, t_decide)
    figures["ratio_gate_over_releasable_filter"] = round(t_gate / t_decide, 2)

    # OMM export of orbits (SGP4 fit over the default 2-day span per orbit)
    states = [
        OrbitState(
            T0 + TimeDelta(300.0 * i, format="sec"),
            42164.0 * np.array([np.cos(0.4 * i), np.sin(0.4 * i), 0.002 * i]),
            3.0747 * np.array([-np.sin(0.4 * i), np.cos(0.4 * i), 0.0]),
            "gcrs",
            None,
            20000 + i,
            MARK,
        )
        for i in range(n_orbits)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        ElementFit(3600.0, 600.0).fit(states[:1])  # warm-up (ephemerides, first integration)
        t0 = time.perf_counter()
        export(
            states,
            kind="orbits",
            partner="SSN",
            fmt="omm",
            out=Path(tmp) / "o.omm",
            policy=policy,
            audit_log=Path(tmp) / "audit.jsonl",
            actor="bench",
        )
        t_omm = time.perf_counter() - t0
    figures["omm_export_s_per_orbit_2day_fit"] = round(t_omm / n_orbits, 3)
    return figures
