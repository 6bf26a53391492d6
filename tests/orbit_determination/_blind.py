"""A blind check as an outside user would run it: real GEO objects near QZS-6, truth from
the independent 8x8 + Sun + Moon model (no SRP), observed from QZS-6 on a fixed cadence
around the clock (tracklets blocked by the Earth or within the Sun exclusion dropped),
written as UDL-style observations for ``beltwatch od`` with no catalog."""

from __future__ import annotations

import numpy as np
from astropy.time import Time

from beltwatch.constants import DEG_RAD
from beltwatch.frames import sun_position_gcrs_km
from beltwatch.values import Markings, Observation

from ._scenario import QZS6_NORAD, earth_clear, grid, host_states, simulate_space_radec
from ._truth import truth_propagator

MARK = Markings("USA", "PARTNER", frozenset({"JPN"}))


def near_host(catalog, t0: Time, max_sep_deg: float, rng: np.random.Generator, n: int):
    """``n`` random objects whose geocentric direction is within ``max_sep_deg`` of QZS-6's
    at ``t0`` (and not within 0.05 deg: co-located with the host); (norad ids, states)."""
    from ._scenario import target_states

    ids, r, v = target_states(catalog, t0)
    host_r, _ = host_states(catalog, grid(t0, [0.0]))
    ok = np.isfinite(r[:, 0, 0])
    cos = (r[:, 0] @ host_r[0]) / np.linalg.norm(r[:, 0], axis=1) / np.linalg.norm(host_r[0])
    sep = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    radius = np.linalg.norm(r[:, 0], axis=1)
    pool = np.flatnonzero(ok & (sep < max_sep_deg) & (sep > 0.05) & (abs(radius - 42164) < 300))
    pick = rng.choice(pool, min(n, pool.size), replace=False)
    return ids[pick], np.concatenate([r[pick, 0], v[pick, 0]], axis=1)


def blind_observations(
    catalog,
    t0: Time,
    norad_ids,
    states0: np.ndarray,
    rng: np.random.Generator,
    cadence_h: float = 2.0,
    hours: float = 48.0,
    per_tracklet: int = 5,
    spacing_s: float = 60.0,
    sigma_arcsec: float = 1.0,
    sun_exclusion_deg: float = 40.0,
    first_offset_s: float = 0.0,
):
    """(observations, truth at each object's last observation (n, 6), truth propagator).

    Observation ids are ``<norad>-<tracklet>-<row>``; every observation carries the
    QZS-6 GCRS state; tracklets with a row blocked by the Earth (500 km grazing, the
    margin ``simulate_space_radec`` applies: a smaller one here left rows it drops, and
    objects across the Earth's limb failed) or closer than ``sun_exclusion_deg`` to the
    Sun are dropped whole."""
    starts = np.arange(first_offset_s, hours * 3600.0, cadence_h * 3600.0)
    offsets = (starts[:, None] + np.arange(per_tracklet) * spacing_s).ravel()
    times = grid(t0, offsets)
    prop = truth_propagator(None)
    truth, _ = prop.propagate(t0, states0, times)
    ro, vo = host_states(catalog, times)
    sun = sun_position_gcrs_km(times)
    obs: list[Observation] = []
    last = np.empty((len(norad_ids), 6))
    for i, norad in enumerate(norad_ids):
        los = truth[i, :, :3] - ro
        sun_dir = sun - ro
        cos_sun = (
            np.sum(los * sun_dir, 1) / np.linalg.norm(los, axis=1) / np.linalg.norm(sun_dir, axis=1)
        )
        ok = earth_clear(truth[i, :, :3], ro, 500.0) & (
            cos_sun < np.cos(sun_exclusion_deg * DEG_RAD)
        )
        ok = np.repeat(ok.reshape(-1, per_tracklet).all(axis=1), per_tracklet)
        meas = simulate_space_radec(
            truth[i : i + 1, ok], ro[ok], vo[ok], times[ok], sigma_arcsec, rng
        )
        rows = np.flatnonzero(ok)
        last[i] = truth[i, rows[-1]]
        for k, j in enumerate(rows):
            obs.append(
                Observation(
                    obs_id=f"{norad}-{j // per_tracklet}-{j % per_tracklet}",
                    time=times[j].utc,
                    ra_rad=float(meas.values[k, 0]),
                    dec_rad=float(meas.values[k, 1]),
                    ra_sigma_rad=sigma_arcsec * DEG_RAD / 3600.0,
                    dec_sigma_rad=sigma_arcsec * DEG_RAD / 3600.0,
                    observer_position_km=ro[j],
                    observer_velocity_km_s=vo[j],
                    sensor_id="QZS-6",
                    markings=MARK,
                    norad_id=int(norad),
                    track_id=f"{norad}-{j // per_tracklet}",
                )
            )
    return obs, last, prop


__all__ = ["QZS6_NORAD", "blind_observations", "near_host"]
