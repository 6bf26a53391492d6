"""Products of an OD run: the estimator's propagator, the orbits.json record (one format
for ``od`` and ``correlate``), per-object CCSDS OPM/OEM, residual plots and the report of
rejected observations and failed objects.

Records and messages are written from the estimate's :class:`~beltwatch.values.OrbitState`
(6x6 state covariance in the products; C_R and its sigma as fields).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from astropy.time import TimeDelta

from beltwatch._io import write_atomic
from beltwatch.formats import (
    ObjectIdentity,
    format_marking,
    oem_from_states,
    opm_from_state,
    write_message,
)
from beltwatch.orbit_determination._pipeline import OdRun
from beltwatch.orbit_determination._plots import residual_html
from beltwatch.propagation import ForceModel, NumericalPropagator, propagator_with_cr
from beltwatch.timescales import format_utc, time_grid
from beltwatch.values import Markings, OrbitEstimate, OrbitState

# Default a priori of the effective C_R (for the assumed A/m 0.01 m^2/kg): C_R 1.3 of a
# typical GEO satellite, sigma 1.0 spanning A/m of ~0.003-0.03 m^2/kg (debris with much
# larger A/m is a case for a wider sigma). An object's own history replaces it.
DEFAULT_CR = 1.3
DEFAULT_CR_SIGMA = 1.0


def od_propagator(area_to_mass_m2_kg: float = 0.01, cr: float = DEFAULT_CR) -> NumericalPropagator:
    """The estimator: Earth gravity 4x4 (zonal and tesseral), Sun, Moon, cannonball SRP
    with the assumed area-to-mass and C_R, integrated tightly enough for 1-arcsec data."""
    forces = ForceModel.geo_default(area_to_mass_m2_kg, cr)
    return NumericalPropagator(forces, rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9)


def orbit_record(
    norad: int, est: OrbitEstimate, started_from: str = "iod", markings: Markings | None = None
) -> dict:
    """One orbits.json record: epoch, GCRS state, 6x6 covariance, fit statistics, C_R,
    the ``quality`` block (see :class:`~beltwatch.values.FitQuality`) and markings."""
    return {
        "norad_id": norad,
        "epoch_utc": format_utc(est.epoch),
        "frame": est.frame.upper(),
        "position_km": est.position_km.tolist(),
        "velocity_km_s": est.velocity_km_s.tolist(),
        "covariance": est.covariance.tolist(),
        "rms_arcsec": round(est.rms_arcsec, 4),
        "n_obs_used": est.n_used,
        "n_obs_rejected": est.n_rejected,
        "cr": None if est.cr is None else round(float(est.cr), 4),
        "cr_sigma": None if est.cr_sigma is None else round(float(est.cr_sigma), 4),
        "started_from": started_from,
        "quality": None if est.quality is None else est.quality.as_record(),
        "markings": None if markings is None else format_marking(markings),
    }


def write_orbit_messages(
    norad: int,
    est: OrbitEstimate,
    markings: Markings,
    propagator: NumericalPropagator,
    out: Path,
    hours: float,
    step_s: float,
    objects: Mapping[int, ObjectIdentity] | None = None,
) -> None:
    """DIR/opm/<norad>.opm (state and covariance at epoch) and DIR/oem/<norad>.oem (the
    predicted trajectory over ``hours`` after the epoch, every ``step_s``), both marked and
    named from ``objects`` (the catalog) where it knows the object."""
    state = OrbitState(
        est.epoch.utc, est.position_km, est.velocity_km_s, "gcrs", est.covariance, norad, markings
    )
    write_message(opm_from_state(state, objects=objects), out / "opm" / f"{norad}.opm", "kvn")
    start = est.epoch.utc
    times = time_grid(start, start + TimeDelta(hours * 3600.0, format="sec"), step_s)
    prop = propagator if est.cr is None else propagator_with_cr(propagator, [est.cr])
    states, _ = prop.propagate(est.epoch, est.state[None], times)
    trajectory = [
        OrbitState(times[k], states[0, k, :3], states[0, k, 3:], "gcrs", None, norad, markings)
        for k in range(len(times))
    ]
    oem = oem_from_states(trajectory, objects=objects)
    write_message(oem, out / "oem" / f"{norad}.oem", "kvn")


def write_od_outputs(
    run: OdRun,
    markings: Mapping[int, Markings],
    propagator: NumericalPropagator,
    out: Path,
    oem_hours: float = 24.0,
    oem_step_s: float = 600.0,
    objects: Mapping[int, ObjectIdentity] | None = None,
) -> list[dict]:
    """DIR/orbits.json (every estimate of ``run``: each passed the consistency gate),
    DIR/opm, DIR/oem, DIR/residuals/<norad>.html and DIR/rejected.json (rejected
    observations, failed objects with reason and best RMS, UCT ids); returns the records."""
    records = []
    for norad, est in run.estimates.items():
        records.append(orbit_record(norad, est, run.started_from[norad], markings[norad]))
        write_orbit_messages(
            norad, est, markings[norad], propagator, out, oem_hours, oem_step_s, objects
        )
        html = residual_html(f"NORAD {norad}", run.measurements[norad], est)
        write_atomic(out / "residuals" / f"{norad}.html", html)
    write_atomic(out / "orbits.json", json.dumps(records, indent=1) + "\n")
    report = {
        "rejected_observations": run.rejected,
        "failed_objects": {str(k): str(v) for k, v in run.failed.items()},
        "failed_objects_detail": {
            str(k): {"reason": v.reason, "best_rms_arcsec": _finite(v.best_rms_arcsec)}
            for k, v in run.failed.items()
        },
        "uct_observation_ids": [o.obs_id for o in run.uct],
        "reordered_observations": run.reordered,
    }
    write_atomic(out / "rejected.json", json.dumps(report, indent=1) + "\n")
    return records


def _finite(x: float) -> float | None:
    return round(x, 4) if x == x and abs(x) != float("inf") else None
