"""Simulated GEO element-set histories with known burns: the truth maneuver detection is
measured against (tests, benchmarks, docs; real-data paths never use it).

Truth is higher fidelity than the model under test: numerical propagation
(``ForceModel.geo_default``: EGM2008 4x4, Sun, Moon, cannonball SRP with each
object's own area-to-mass ratio) with impulsive burns. Element sets are made the
way real ones are: SGP4 fitted (``fit_sgp4``) to noisy positions over the span before
each epoch (1.5 days, cut at the object's last burn as maneuver processing does, but
never below half a day, so the sets in the first half day after a burn blend before
and after), the fit noise being whatever SGP4's misfit of the truth and the
observation noise make it (each object its own noise level). A fit whose residuals
are three times the object's typical ones is not published (fits of SGP4 near zero
inclination can fail to converge, and no provider publishes those). Epochs follow
irregular intervals like the real catalog's (median ~0.35 day, 0.05 to 1.5 days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.catalog import Catalog
from beltwatch.constants import GEO_RADIUS_KM, GM_EARTH_EGM2008_KM3_S2
from beltwatch.propagation import ForceModel, NumericalPropagator, fit_sgp4

MIN_FIT_DAYS = 0.5


@dataclass(frozen=True)
class SimulatedBurn:
    """A burn of object ``norad_id`` at ``time``: RTN delta-v (m/s) and its type."""

    norad_id: int
    time: Time
    delta_v_rtn_m_s: np.ndarray
    kind: str  # "east-west" (tangential) or "north-south" (normal)

    @property
    def magnitude_m_s(self) -> float:
        return float(np.linalg.norm(self.delta_v_rtn_m_s))


@dataclass(frozen=True, eq=False)
class SimulatedHistory:
    """Element sets of every object, the burns, and the span covered (object-weeks)."""

    history: Catalog
    burns: list[SimulatedBurn]
    start: Time
    days: float
    noise_km: np.ndarray

    @property
    def object_weeks(self) -> float:
        return len(self.noise_km) * self.days / 7.0


def _initial_states(rng: np.random.Generator, n: int) -> np.ndarray:
    """Near-GEO GCRS states: small e and i, spread round the belt (km, km/s)."""
    a = GEO_RADIUS_KM + rng.uniform(-2.0, 2.0, n)
    u = rng.uniform(0, 2 * np.pi, n)
    inc = np.radians(rng.uniform(0.0, 0.1, n))
    node = rng.uniform(0, 2 * np.pi, n)
    e = rng.uniform(0.0, 3e-4, n)
    r = a * (1 - e)
    speed = np.sqrt(GM_EARTH_EGM2008_KM3_S2 * (2 / r - 1 / a))
    pos = np.stack([r * np.cos(u), r * np.sin(u), np.zeros(n)], axis=1)
    vel = np.stack([-speed * np.sin(u), speed * np.cos(u), np.zeros(n)], axis=1)
    # Tilt by the inclination about the node line.
    c, s = np.cos(inc), np.sin(inc)
    k = np.stack([np.cos(node), np.sin(node), np.zeros(n)], axis=1)

    def rotate(x: np.ndarray) -> np.ndarray:
        kx = np.cross(k, x)
        kd = np.sum(k * x, axis=1)[:, None]
        return x * c[:, None] + kx * s[:, None] + k * kd * (1 - c[:, None])

    return np.concatenate([rotate(pos), rotate(vel)], axis=1)


def _burn_schedule(rng, n: int, days: float, per_week: float, quiet: float) -> list[tuple]:
    """(object, offset s, kind, magnitude m/s, sign) with burns >= 2.5 days apart per object."""
    burns = []
    for obj in range(n):
        if rng.uniform() < quiet:
            continue
        t = rng.uniform(1.0, 3.0)
        while True:
            t += rng.exponential(7.0 / per_week) + 2.5
            if t > days - 1.0:
                break
            kind = "east-west" if rng.uniform() < 0.5 else "north-south"
            burns.append((obj, t * 86400.0, kind, rng.uniform(0.1, 2.0), rng.choice([-1.0, 1.0])))
    return sorted(burns, key=lambda b: b[1])


def _fit_start(epoch_day: float, burns_day: np.ndarray, span_days: float) -> float:
    """Start of the tracking a set is fitted to (days): the span before its epoch, cut at
    the object's last burn as a provider's maneuver processing does, but never shorter
    than MIN_FIT_DAYS (so a set right after a burn still blends both sides)."""
    start = epoch_day - span_days
    recent = burns_day[(burns_day > start) & (burns_day < epoch_day)]
    if recent.size:
        start = min(float(recent.max()), epoch_day - MIN_FIT_DAYS)
    return round(start * 86400.0 / 60.0) * 60.0 / 86400.0  # whole minutes: shared starts


def _epoch_offsets(rng, days: float, span_days: float) -> np.ndarray:
    """Common element-set epochs (days after the start): irregular, after the first span."""
    out, t = [], span_days
    while t < days:
        out.append(t)
        t += float(np.clip(rng.lognormal(np.log(0.35), 0.7), 0.05, 1.5))
    return np.array(out)


def simulate_element_set_histories(
    objects: int = 20,
    days: float = 28.0,
    *,
    seed: int = 1,
    burns_per_week: float = 1.0,
    quiet_fraction: float = 0.2,
    noise_km: tuple[float, float] = (0.1, 0.8),
    fit_span_days: float = 1.5,
    sample_step_s: float = 2400.0,
    start: Time | None = None,
) -> SimulatedHistory:
    """Histories of ``objects`` GEO satellites over ``days`` with random burns (0.1-2 m/s,
    east-west or north-south, ``burns_per_week`` on average, ``quiet_fraction`` of objects
    without any) and element sets fitted to positions with per-object noise drawn
    log-uniformly in ``noise_km``."""
    rng = np.random.default_rng(seed)
    t0 = start if start is not None else Time("2026-05-01T00:00:00", scale="utc")
    states = _initial_states(rng, objects)
    area = rng.uniform(0.005, 0.02, objects)
    prop = NumericalPropagator(ForceModel.geo_default(area_to_mass_m2_kg=area))
    sigma = np.exp(rng.uniform(np.log(noise_km[0]), np.log(noise_km[1]), objects))
    grid = np.arange(0.0, days * 86400.0 + 1.0, sample_step_s)
    schedule = _burn_schedule(rng, objects, days, burns_per_week, quiet_fraction)
    truth = np.empty((objects, grid.size, 6))
    current, t_now = states.copy(), 0.0
    burns = []
    for obj, t_burn, kind, size, sign in [*schedule, (None, grid[-1] + 1.0, "", 0.0, 0.0)]:
        cols = np.flatnonzero((grid >= t_now) & (grid < t_burn))
        offsets = np.append(grid[cols], min(t_burn, grid[-1] + 1.0)) - t_now
        out, _ = prop.propagate_offsets(t0 + TimeDelta(t_now, format="sec"), current, offsets)
        truth[:, cols] = out[:, :-1]
        current, t_now = out[:, -1].copy(), t_burn
        if obj is None:
            break
        r, v = current[obj, :3], current[obj, 3:]
        rtn = _rtn(r, v)
        dv = (
            np.array([0.0, sign * size, 0.0])
            if kind == "east-west"
            else np.array([0, 0, sign * size])
        )
        current[obj, 3:] += rtn.T @ dv / 1000.0
        burns.append(SimulatedBurn(90000 + obj, t0 + TimeDelta(t_burn, format="sec"), dv, kind))
    burn_days = [np.array([b[1] / 86400.0 for b in schedule if b[0] == o]) for o in range(objects)]
    rows, rms = [], []
    for epoch_day in _epoch_offsets(rng, days, fit_span_days):
        starts = np.array(
            [_fit_start(epoch_day, burn_days[o], fit_span_days) for o in range(objects)]
        )
        noise = rng.standard_normal((objects, grid.size, 3)) * sigma[:, None, None]
        jitter = rng.uniform(-0.05, 0.0, objects)  # each object's epoch a little before
        for begin in np.unique(starts):
            who = np.flatnonzero(starts == begin)
            cols = np.flatnonzero((grid <= epoch_day * 86400.0) & (grid >= begin * 86400.0))
            noisy = truth[np.ix_(who, cols)][..., :3] + noise[np.ix_(who, cols)]
            fit = fit_sgp4(
                t0 + TimeDelta(grid[cols], format="sec"),
                noisy,
                frame="gcrs",
                epoch=t0 + TimeDelta((epoch_day + jitter[who]) * 86400.0, format="sec"),
                norad_id=who + 90000,
                tle_check=False,
            )
            rows.append(fit.catalog)
            rms.append(fit.rms_km)
    # A provider publishes no failed fit: drop those whose residuals are three times the
    # object's typical ones.
    catalog = Catalog.concatenate(rows)
    rms_all = np.concatenate(rms)
    typical = {n: np.median(rms_all[catalog.norad_id == n]) for n in np.unique(catalog.norad_id)}
    published = rms_all <= 3.0 * np.array([typical[n] for n in catalog.norad_id])
    rows = [catalog[published]]
    history = Catalog.concatenate(rows)
    history = Catalog.from_columns(
        **{
            f: getattr(history, f)
            for f in (
                "norad_id",
                "epoch",
                "mean_motion_rev_per_day",
                "eccentricity",
                "inclination_rad",
                "raan_rad",
                "arg_perigee_rad",
                "mean_anomaly_rad",
            )
        },
        name=np.array([f"SIM {n}" for n in history.norad_id], dtype=object),
    )
    return SimulatedHistory(history.sorted_by_object_and_epoch(), burns, t0, days, sigma)


def _rtn(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    radial = r / np.linalg.norm(r)
    normal = np.cross(r, v)
    normal /= np.linalg.norm(normal)
    return np.vstack([radial, np.cross(normal, radial), normal])


@dataclass(frozen=True)
class DetectionScore:
    """Detections matched to simulated burns (same object, within ``window_h``)."""

    burns: int
    detected: int
    false_alarms: int
    object_weeks: float
    epoch_errors_h: np.ndarray
    delta_v_ratios: np.ndarray
    missed: list[SimulatedBurn]

    @property
    def detection_rate(self) -> float:
        return self.detected / self.burns if self.burns else 1.0

    @property
    def false_alarms_per_100_object_weeks(self) -> float:
        return 100.0 * self.false_alarms / self.object_weeks

    def to_dict(self) -> dict:
        err = np.abs(self.epoch_errors_h)
        ratio = np.abs(self.delta_v_ratios - 1)
        return {
            "burns": self.burns,
            "detected": self.detected,
            "detection_rate": round(self.detection_rate, 4),
            "false_alarms": self.false_alarms,
            "object_weeks": round(self.object_weeks, 1),
            "false_alarms_per_100_object_weeks": round(self.false_alarms_per_100_object_weeks, 3),
            "epoch_error_h_median": float(np.median(err)) if err.size else None,
            "epoch_error_h_max": float(err.max()) if err.size else None,
            "epoch_within_12h": float(np.mean(err <= 12)) if err.size else None,
            "delta_v_error_median": float(np.median(ratio)) if ratio.size else None,
            "delta_v_error_max": float(ratio.max()) if ratio.size else None,
            "delta_v_within_30pct": float(np.mean(ratio <= 0.3)) if ratio.size else None,
        }


def score_detections(
    sim: SimulatedHistory,
    epochs: list[Time],
    norad_ids: list[int],
    delta_v_m_s: list[float],
    window_h: float = 36.0,
) -> DetectionScore:
    """Match detections (epoch, object, dv) to the simulated burns, nearest first."""
    used = np.zeros(len(epochs), dtype=bool)
    errors, ratios, missed = [], [], []
    for burn in sim.burns:
        best, best_dt = -1, np.inf
        for k, (when, norad) in enumerate(zip(epochs, norad_ids, strict=True)):
            if used[k] or norad != burn.norad_id:
                continue
            dt = abs((when - burn.time).to_value("hour"))
            if dt < best_dt:
                best, best_dt = k, dt
        if best < 0 or best_dt > window_h:
            missed.append(burn)
            continue
        used[best] = True
        errors.append((epochs[best] - burn.time).to_value("hour"))
        ratios.append(delta_v_m_s[best] / burn.magnitude_m_s)
    return DetectionScore(
        burns=len(sim.burns),
        detected=len(sim.burns) - len(missed),
        false_alarms=int(np.count_nonzero(~used)),
        object_weeks=sim.object_weeks,
        epoch_errors_h=np.array(errors),
        delta_v_ratios=np.array(ratios),
        missed=missed,
    )
