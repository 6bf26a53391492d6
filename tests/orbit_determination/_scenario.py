"""Shared scenario for OD tests: QZS-6 host (sensors API), real GEO targets, truth propagation.

Truth: SGP4 states of real catalog objects at t0 propagated by the numerical propagator at
higher fidelity (J2..J4, Sun, Moon, SRP with a per-object area-to-mass ratio) than the
estimator knows: it has the same force terms but only a nominal SRP (A/m 0.01 m^2/kg,
C_R 1.3), which batch LS can correct by solving for C_R.
"""

from __future__ import annotations

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.frames import light_time_direction
from beltwatch.orbit_determination import ARCSEC, MeasurementSet, radec_measurements
from beltwatch.propagation import (
    ForceModel,
    NumericalPropagator,
    PointMassEarth,
    Sgp4Propagator,
    SolarRadiationPressure,
    ThirdBody,
    ZonalHarmonics,
)
from beltwatch.sensors import HostPlatform

QZS6_NORAD = 62876
EARTH_RADIUS_KM = 6378.137


def truth_propagator(area_to_mass_m2_kg) -> NumericalPropagator:
    return NumericalPropagator(ForceModel.geo_default(area_to_mass_m2_kg, 1.3, degree=4))


def estimator_propagator() -> NumericalPropagator:
    """The truth's force model minus what is genuinely unknown: the per-object SRP
    (the estimator assumes A/m 0.01 m^2/kg, C_R 1.3; batch LS may solve for C_R)."""
    forces = ForceModel.geo_default(0.01, 1.3, degree=4)
    return NumericalPropagator(forces, rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9)


def legacy_estimator_propagator() -> NumericalPropagator:
    """The earlier, lower-fidelity estimator (J2 only, cylindrical shadow), for comparison."""
    forces = (
        PointMassEarth(),
        ZonalHarmonics(degree=2),
        ThirdBody("sun"),
        ThirdBody("moon"),
        SolarRadiationPressure(0.01, 1.3, "cylindrical"),
    )
    return NumericalPropagator(ForceModel(forces), rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9)


def host(catalog) -> HostPlatform:
    return HostPlatform.from_catalog("QZS-6", catalog, QZS6_NORAD)


def host_states(catalog, times: Time) -> tuple[np.ndarray, np.ndarray]:
    """QZS-6 GCRS position/velocity (m, 3)."""
    return host(catalog).states_gcrs(times)


def target_states(catalog, times: Time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(norad ids, r (n, m, 3), v) GCRS of every catalog object except QZS-6 (SGP4)."""
    rows = catalog[catalog.norad_id != QZS6_NORAD]
    eph = Sgp4Propagator(workers=1).propagate(rows, times, "gcrs")
    return rows.norad_id, eph.position_km, eph.velocity_km_s


def earth_clear(target_km: np.ndarray, observer_km: np.ndarray, margin_km: float = 500.0):
    """True where the segment observer->target passes the Earth by more than ``margin_km``."""
    d = target_km - observer_km
    s = np.clip(-np.sum(observer_km * d, axis=-1) / np.sum(d * d, axis=-1), 0.0, 1.0)
    closest = observer_km + s[..., None] * d
    return np.linalg.norm(closest, axis=-1) > EARTH_RADIUS_KM + margin_km


def grid(start: Time, seconds) -> Time:
    return start + TimeDelta(np.asarray(seconds, dtype=float), format="sec")


def tracklet_offsets_s(nights: int = 2, per_night: int = 5) -> np.ndarray:
    """Each night: ``per_night`` tracklets 2 h apart, six observations 2 min apart; nights 24 h
    apart (a "night" of a space-based sensor: the hours the target is observable)."""
    one = np.concatenate([k * 2 * 3600.0 + np.arange(6) * 120.0 for k in range(per_night)])
    return np.concatenate([n * 86400.0 + one for n in range(nights)])


def simulate_space_radec(
    states: np.ndarray,
    observer_r: np.ndarray,
    observer_v: np.ndarray,
    times: Time,
    sigma_arcsec: float,
    rng: np.random.Generator,
    sensor_id: str = "QZS-6",
) -> MeasurementSet:
    """RA/Dec rows for objects (n, m, 6) at times (m) seen from the observer, Earth-clear only,
    object_index = object row; noise on-sky ``sigma_arcsec``."""
    parts = []
    for i in range(states.shape[0]):
        r, v = states[i, :, :3], states[i, :, 3:]
        ok = earth_clear(r, observer_r)
        u, _, _ = light_time_direction(r[ok], v[ok], observer_r[ok])
        ra = np.mod(np.arctan2(u[:, 1], u[:, 0]), 2 * np.pi)
        dec = np.arcsin(u[:, 2])
        sig = sigma_arcsec * ARCSEC
        dec = dec + rng.standard_normal(dec.size) * sig
        ra = ra + rng.standard_normal(ra.size) * sig / np.cos(dec)
        parts.append(
            radec_measurements(
                times[ok],
                ra,
                dec,
                sig,
                observer_r[ok],
                observer_v[ok],
                sensor_id,
                object_index=i,
            )
        )
    return MeasurementSet.concatenate(parts)


def two_night_scenario(catalog, t0: Time, n_draw: int, rng: np.random.Generator) -> dict:
    """QZS-6 angles (1 arcsec) of ``n_draw`` random GEO objects over two nights.

    Truth: numerical propagation with each object's own area-to-mass from its SGP4
    state at ``t0``. Objects not seen on both nights (Earth-blocked from QZS-6) are
    dropped. Returns measurements, truth at every time (the last one is 24 h after
    the final observation), the times, a perturbed first guess at the epoch (the
    last observation), the night-2 mask per measurement and the kept objects'
    area-to-mass.
    """
    from dataclasses import replace

    _, r, v = target_states(catalog, t0)
    pick = rng.choice(np.flatnonzero(np.isfinite(r[:, 0, 0])), n_draw, replace=False)
    x0 = np.concatenate([r[pick, 0], v[pick, 0]], axis=1)
    amr = rng.uniform(0.005, 0.03, n_draw)
    offs = tracklet_offsets_s(2)
    times = grid(t0, np.r_[offs, offs[-1] + 86400.0])
    truth, _ = truth_propagator(amr).propagate(t0, x0, times)
    ro, vo = host_states(catalog, times[:-1])
    meas = simulate_space_radec(truth[:, :-1], ro, vo, times[:-1], 1.0, rng)
    night2 = (meas.times - t0).to_value("sec") > 43200
    obj = meas.object_index
    seen = np.array(
        [
            np.sum((obj == i) & ~night2) >= 6 and np.sum((obj == i) & night2) >= 6
            for i in range(n_draw)
        ]
    )
    keep = np.flatnonzero(seen)
    remap = np.full(n_draw, -1)
    remap[keep] = np.arange(keep.size)
    sel = seen[obj]
    meas = replace(meas[sel], object_index=remap[obj[sel]])
    truth = truth[keep]
    guess = truth[:, -2] + np.concatenate(
        [rng.normal(0, 20, (keep.size, 3)), rng.normal(0, 2e-3, (keep.size, 3))], axis=1
    )
    return {
        "meas": meas,
        "truth": truth,
        "times": times,
        "guess": guess,
        "rng": rng,
        "night2": night2[sel],
        "amr": amr[keep],
    }
