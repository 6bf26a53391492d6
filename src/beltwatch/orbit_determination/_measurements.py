"""Measurement models: optical RA/Dec (space-based or ground) and radar range/azimuth/elevation.

A :class:`MeasurementSet` is a structure of arrays, one row per measurement epoch, with up
to three values per row: RA/Dec rows use columns 0-1 (rad, column 2 NaN), radar rows use
range (km), azimuth, elevation (rad). Predictions follow the exchange convention:
geometric direction (and range) from the observer at t to the target at t - light time,
GCRS axes, no aberration. Partials are with respect to the target GCRS state at t.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
from astropy.time import Time

from beltwatch.frames import light_time_direction
from beltwatch.sensors import GroundSite
from beltwatch.timescales import tai_seconds_since_j2000

KIND_RADEC = 0
KIND_RADAR = 1


@dataclass(frozen=True, eq=False)
class MeasurementSet:
    """Measurements of one object (or many, told apart by ``object_index``).

    ``values`` / ``sigmas`` (n, 3): RA/Dec rows (rad; RA sigma is on-sky, i.e. of
    RA cos Dec) or radar rows (km, rad, rad). ``observer_position_km`` /
    ``observer_velocity_km_s`` (n, 3) GCRS; ``topo_basis`` (n, 3, 3): rows east,
    north, up of the site in GCRS (radar rows; NaN otherwise).
    """

    times: Time
    kind: np.ndarray
    values: np.ndarray
    sigmas: np.ndarray
    observer_position_km: np.ndarray
    observer_velocity_km_s: np.ndarray
    topo_basis: np.ndarray
    sensor_id: np.ndarray
    obs_id: np.ndarray
    object_index: np.ndarray

    def __len__(self) -> int:
        return int(self.kind.shape[0])

    def __getitem__(self, index) -> MeasurementSet:
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concatenate(cls, parts: list[MeasurementSet]) -> MeasurementSet:
        values = {}
        for f in fields(cls):
            if f.name == "times":
                jd1 = np.concatenate([np.atleast_1d(p.times.tai.jd1) for p in parts])
                jd2 = np.concatenate([np.atleast_1d(p.times.tai.jd2) for p in parts])
                values["times"] = Time(jd1, jd2, format="jd", scale="tai")
            else:
                values[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
        return cls(**values)

    def sorted(self) -> MeasurementSet:
        return self[np.lexsort((tai_seconds_since_j2000(self.times), self.object_index))]

    @property
    def n_scalar(self) -> np.ndarray:
        """Scalar measurements per row (2 for RA/Dec, 3 for radar)."""
        return np.where(self.kind == KIND_RADAR, 3, 2)


def radec_measurements(
    times: Time,
    ra_rad: np.ndarray,
    dec_rad: np.ndarray,
    sigma_rad: np.ndarray | float,
    observer_position_km: np.ndarray,
    observer_velocity_km_s: np.ndarray | None = None,
    sensor_id: str | np.ndarray = "optical",
    obs_id: np.ndarray | None = None,
    object_index: np.ndarray | int = 0,
) -> MeasurementSet:
    """RA/Dec rows (rad) seen from observer positions (n, 3) GCRS km."""
    n = len(np.atleast_1d(ra_rad))
    values = np.full((n, 3), np.nan)
    values[:, 0], values[:, 1] = ra_rad, dec_rad
    sig = np.full((n, 3), np.nan)
    sig[:, 0] = np.broadcast_to(
        np.asarray(sigma_rad, float).reshape(-1, 2)[:, 0] if np.ndim(sigma_rad) == 2 else sigma_rad,
        n,
    )
    sig[:, 1] = np.broadcast_to(
        np.asarray(sigma_rad, float).reshape(-1, 2)[:, 1] if np.ndim(sigma_rad) == 2 else sigma_rad,
        n,
    )
    obs_v = np.zeros((n, 3)) if observer_velocity_km_s is None else observer_velocity_km_s
    return MeasurementSet(
        times=Time(
            np.atleast_1d(times.tai.jd1), np.atleast_1d(times.tai.jd2), format="jd", scale="tai"
        ),
        kind=np.full(n, KIND_RADEC),
        values=values,
        sigmas=sig,
        observer_position_km=np.asarray(observer_position_km, float).reshape(n, 3),
        observer_velocity_km_s=np.asarray(obs_v, float).reshape(n, 3),
        topo_basis=np.full((n, 3, 3), np.nan),
        sensor_id=np.broadcast_to(np.asarray(sensor_id, dtype=object), n).copy(),
        obs_id=np.arange(n).astype(str).astype(object) if obs_id is None else np.asarray(obs_id),
        object_index=np.broadcast_to(np.asarray(object_index), n).astype(np.int64),
    )


def radar_measurements(
    times: Time,
    site: GroundSite,
    range_km: np.ndarray,
    azimuth_rad: np.ndarray,
    elevation_rad: np.ndarray,
    sigma: tuple[float, float, float],
    object_index: np.ndarray | int = 0,
) -> MeasurementSet:
    """Radar rows: range (km), azimuth from north through east, elevation (rad)."""
    n = len(np.atleast_1d(range_km))
    r, v = site.states_gcrs(times)
    basis = site.enu_gcrs(times)
    return MeasurementSet(
        times=Time(
            np.atleast_1d(times.tai.jd1), np.atleast_1d(times.tai.jd2), format="jd", scale="tai"
        ),
        kind=np.full(n, KIND_RADAR),
        values=np.stack([range_km, azimuth_rad, elevation_rad], axis=-1),
        sigmas=np.broadcast_to(np.asarray(sigma, float), (n, 3)).copy(),
        observer_position_km=r,
        observer_velocity_km_s=v,
        topo_basis=basis,
        sensor_id=np.full(n, site.platform_id, dtype=object),
        obs_id=np.arange(n).astype(str).astype(object),
        object_index=np.broadcast_to(np.asarray(object_index), n).astype(np.int64),
    )


def predict(
    meas: MeasurementSet, position_km: np.ndarray, velocity_km_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted values (n, 3) and partials d(value)/d(target state at t) (n, 3, 6)."""
    unit, rng, _ = light_time_direction(position_km, velocity_km_s, meas.observer_position_km)
    los = unit * rng[:, None]
    x, y, z = los[:, 0], los[:, 1], los[:, 2]
    rho_xy2 = x * x + y * y
    rho_xy = np.sqrt(rho_xy2)
    n = len(meas)
    pred = np.full((n, 3), np.nan)
    H = np.zeros((n, 3, 6))
    radec = meas.kind == KIND_RADEC
    ra = np.mod(np.arctan2(y, x), 2 * np.pi)
    dec = np.arcsin(np.clip(z / rng, -1, 1))
    pred[radec, 0], pred[radec, 1] = ra[radec], dec[radec]
    H[radec, 0, 0] = -y[radec] / rho_xy2[radec]
    H[radec, 0, 1] = x[radec] / rho_xy2[radec]
    r2 = rng**2
    H[radec, 1, 0] = -x[radec] * z[radec] / (r2[radec] * rho_xy[radec])
    H[radec, 1, 1] = -y[radec] * z[radec] / (r2[radec] * rho_xy[radec])
    H[radec, 1, 2] = rho_xy[radec] / r2[radec]
    radar = meas.kind == KIND_RADAR
    if np.any(radar):
        B = meas.topo_basis[radar]  # (k, 3 axes, 3)
        enu = np.einsum("kij,kj->ki", B, los[radar])
        e, nn, u = enu[:, 0], enu[:, 1], enu[:, 2]
        hor2 = e * e + nn * nn
        hor = np.sqrt(hor2)
        rr = rng[radar]
        pred[radar, 0] = rr
        pred[radar, 1] = np.mod(np.arctan2(e, nn), 2 * np.pi)
        pred[radar, 2] = np.arcsin(np.clip(u / rr, -1, 1))
        d_range = los[radar] / rr[:, None]
        d_az_enu = np.stack([nn / hor2, -e / hor2, np.zeros_like(e)], axis=-1)
        d_el_enu = np.stack([-e * u / (rr**2 * hor), -nn * u / (rr**2 * hor), hor / rr**2], axis=-1)
        Hr = np.zeros((int(radar.sum()), 3, 6))
        Hr[:, 0, :3] = d_range
        Hr[:, 1, :3] = np.einsum("ki,kij->kj", d_az_enu, B)
        Hr[:, 2, :3] = np.einsum("ki,kij->kj", d_el_enu, B)
        H[radar] = Hr
    return pred, H


def residuals(meas: MeasurementSet, pred: np.ndarray) -> np.ndarray:
    """Observed minus computed (n, 3), angles wrapped to (-pi, pi]; RA scaled by cos Dec so
    that it matches the on-sky RA sigma; NaN where a row has no such component."""
    res = meas.values - pred
    angle_cols = np.zeros_like(res, dtype=bool)
    angle_cols[meas.kind == KIND_RADEC, :2] = True
    angle_cols[meas.kind == KIND_RADAR, 1:] = True
    res[angle_cols] = np.angle(np.exp(1j * res[angle_cols]))
    radec = meas.kind == KIND_RADEC
    res[radec, 0] *= np.cos(meas.values[radec, 1])
    return res


def scaled_partials(meas: MeasurementSet, H: np.ndarray) -> np.ndarray:
    """Partials matching :func:`residuals` (RA rows scaled by cos Dec)."""
    out = H.copy()
    radec = meas.kind == KIND_RADEC
    out[radec, 0] *= np.cos(meas.values[radec, 1])[:, None]
    return out


def simulate(
    meas: MeasurementSet,
    position_km: np.ndarray,
    velocity_km_s: np.ndarray,
    rng: np.random.Generator | None = None,
) -> MeasurementSet:
    """The same rows with values replaced by the model of the given target states plus
    Gaussian noise of the rows' sigmas (RA noise on-sky)."""
    pred, _ = predict(meas, position_km, velocity_km_s)
    if rng is not None:
        noise = rng.standard_normal(pred.shape) * np.nan_to_num(meas.sigmas)
        radec = meas.kind == KIND_RADEC
        noise[radec, 0] /= np.cos(pred[radec, 1])
        pred = pred + noise
    pred[meas.kind == KIND_RADEC, 0] = np.mod(pred[meas.kind == KIND_RADEC, 0], 2 * np.pi)
    return replace(meas, values=pred)
