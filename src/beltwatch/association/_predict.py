"""Predicted directions of catalog objects with covariance, vectorised over objects x times.

Element sets are propagated with SGP4 (GCRS) at the distinct tracklet reference times only;
states at the observation times follow from a two-body (f and g) step over the few minutes
of a tracklet (the neglected J2 and third-body terms move a GEO object < 0.1 m in 5 min).
Directions use the exchange convention (beltwatch.frames.light_time_direction, geometric,
light-time corrected, GCRS axes).

Covariance of an SGP4 prediction: diagonal in the radial / in-track / cross-track frame
with 1-sigma growing linearly with the element-set age (AssociationConfig). This is a
model, not an estimate: in-track error dominates for GEO element sets and grows with the
mean-motion error. The covariance is carried as a square root: six perturbation columns
(n_obj, n_times, 6 state, 6 columns) such that P = S S^T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltwatch.association._config import AssociationConfig
from beltwatch.catalog import Catalog
from beltwatch.orbit_determination import element_set_sqrt_covariance
from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import time_from_tai_seconds

__all__ = ["Predictions", "element_set_sqrt_cov", "predict_catalog"]


@dataclass(frozen=True, eq=False)
class Predictions:
    """States at reference times: ``position_km``/``velocity_km_s`` (n_obj, m, 3) GCRS,
    ``age_days`` (n_obj, m) element-set age, ``valid`` (n_obj, m); :meth:`sqrt_cov` gives
    the square-root covariance of chosen (object, time) pairs."""

    object_id: np.ndarray
    t_s: np.ndarray
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    age_days: np.ndarray
    valid: np.ndarray
    config: AssociationConfig

    def sqrt_cov(self, obj: np.ndarray, time: np.ndarray) -> np.ndarray:
        """(P, 6, 6) square roots (km, km/s) for objects ``obj`` at time indices ``time``."""
        return element_set_sqrt_cov(
            self.position_km[obj, time],
            self.velocity_km_s[obj, time],
            self.age_days[obj, time],
            self.config,
        )

    def in_track_sigma_km(self) -> np.ndarray:
        """(n_obj, m) in-track 1-sigma (km) of the model."""
        return self.config.tle_sigma_km[1] + self.config.tle_growth_km_per_day[1] * np.abs(
            self.age_days
        )


def element_set_sqrt_cov(
    r: np.ndarray, v: np.ndarray, age_days: np.ndarray, config: AssociationConfig
) -> np.ndarray:
    """Square-root covariance (..., 6, 6) of the element-set model (see module docstring)."""
    return element_set_sqrt_covariance(
        r,
        v,
        age_days,
        config.tle_sigma_km,
        config.tle_growth_km_per_day,
        config.tle_velocity_factor,
    )


def predict_catalog(
    catalog: Catalog,
    t_s: np.ndarray,
    config: AssociationConfig,
    propagator: Sgp4Propagator | None = None,
) -> Predictions:
    """SGP4 GCRS states of every catalog row at times ``t_s`` (TAI s since J2000)."""
    prop = propagator or Sgp4Propagator()
    times = time_from_tai_seconds(t_s)
    eph = prop.propagate(catalog, times, "gcrs")
    age = (
        (times.tai.jd[None, :] - catalog.epoch.tai.jd[:, None])
        if len(catalog)
        else np.zeros((0, len(t_s)))
    )
    r, v = eph.position_km, eph.velocity_km_s
    valid = eph.valid & np.all(np.isfinite(r), axis=-1)
    r = np.where(valid[..., None], r, 1.0)
    v = np.where(valid[..., None], v, 1.0)
    return Predictions(
        object_id=catalog.norad_id.astype(np.int64),
        t_s=np.asarray(t_s, float),
        position_km=r,
        velocity_km_s=v,
        age_days=age,
        valid=valid,
        config=config,
    )
