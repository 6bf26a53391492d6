"""Shared scenario helpers for OD tests: QZS-6 host states, real GEO targets, visibility."""

from __future__ import annotations

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.propagation import Sgp4Propagator

QZS6_NORAD = 62876
EARTH_RADIUS_KM = 6378.137


def host_states(catalog, times: Time) -> tuple[np.ndarray, np.ndarray]:
    """QZS-6 GCRS position/velocity (m, 3) from its TLE."""
    row = catalog[catalog.norad_id == QZS6_NORAD]
    eph = Sgp4Propagator(workers=1).propagate(row, times, "gcrs")
    return eph.position_km[0], eph.velocity_km_s[0]


def target_states(catalog, times: Time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(norad ids, r (n, m, 3), v) GCRS of every catalog object except QZS-6."""
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
