"""Maneuver detection from element-set histories, against each object's own noise.

A new element set is a re-fit, not a maneuver: the innovations of an object (see
``_history``) scatter with that object's fit noise, which varies a hundredfold
across the real GEO catalog (semi-major axis: 4 m to 140 m, 10th to 90th percentile
over the 7-day history). Noise model, per object and per quantity (a; e vector;
orbit-normal h_xy): a robust centre (median rate x dt for e, which solar radiation
pressure moves and SGP4 does not model; zero otherwise) and a robust scale
(1.4826 x median absolute deviation), shrunk towards the catalog-wide scale with the
weight of :data:`PRIOR_PAIRS` pairs (a short history borrows strength from the
others, a long one speaks for itself; a history of years uses a rolling window of
:data:`NOISE_WINDOW_PAIRS` pairs, so noise that changes over the years is followed).

A pair is a maneuver candidate when a quantity departs from the noise by more than
:data:`Z_SCALAR` sigma (a) or its chi-square exceeds :data:`CHI2_VECTOR` (2-d vectors):
a per-test false-alarm probability of ~1e-6 for Gaussian noise. Consecutive
candidates within :data:`MERGE_DAYS` are one maneuver (the element set fitted across
a burn is a blend; the jump is shared between the pairs on either side of it); its
size is measured directly between the last set before and the first set after.

Size: tangential dv = v da / (2a); at least v |de| / 2 when the eccentricity changed
more than one tangential burn explains (two burns); normal dv = v |dh|.
Epoch: east-west, from the mean-longitude mismatch that the new drift builds up,
t = t_after - dL / dLdot, refined to the time (modulo a sidereal day) the satellite
was at the right ascension the e-vector jump points to; north-south, the time within
the interval (modulo half a sidereal day) at the right ascension the h-vector jump
points to, nearest the middle. Uncertainties follow from the noise model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from astropy.time import TimeDelta

from beltwatch.analytics._events import event_id
from beltwatch.analytics._history import (
    Innovations,
    SetQuantities,
    analyse_history,
    direct_innovation,
    is_geo,
)
from beltwatch.catalog import Catalog
from beltwatch.constants import GM_EARTH_WGS72_KM3_S2
from beltwatch.errors import InputError
from beltwatch.values import Event, EventKind, Markings

Z_SCALAR = 5.0
CHI2_VECTOR = 27.6  # chi-square, 2 dof, P = 1e-6
PRIOR_PAIRS = 8.0
NOISE_WINDOW_PAIRS = 60
MERGE_DAYS = 2.0
# Drift rates that separate a kept slot from a relocation drift (deg/day).
KEPT_DRIFT_DEG_PER_DAY = 0.05
RELOCATION_DRIFT_CHANGE_DEG_PER_DAY = 0.1
MAD_TO_SIGMA = 1.4826
# Interval bins (days) of the noise's dependence on the time between sets.
SHAPE_BIN_EDGES_DAYS = (
    0.0,
    0.01,
    0.03,
    0.07,
    0.15,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.5,
    5.0,
    10.0,
    30.0,
    np.inf,
)
MIN_BIN_PAIRS = 30
SHAPE_ITERATIONS = 3
# Floors of the noise scales: the resolution of a TLE's printed elements
# (mean motion 1e-8 rev/day ~ 0.3 m in a; angles 1e-4 deg ~ 1.7e-6 rad; e 1e-7).
FLOOR_A_KM = 3e-4
FLOOR_H = 1e-6
FLOOR_E = 1e-7


@dataclass(frozen=True)
class NoiseModel:
    """Noise of the innovations: per pair, an object scale (a km, e, h) and the shape
    factor of its interval; the e-vector centre (per pair); ``sigma`` at any interval."""

    dt_days: np.ndarray
    scale: dict[str, np.ndarray]
    shape: dict[str, np.ndarray]
    floor: dict[str, float]
    centre_e: np.ndarray

    def sigma(self, name: str, pairs: np.ndarray | slice = slice(None), dt_days=None) -> np.ndarray:
        """Sigma of ``name`` (a, e, h) for ``pairs``, at their own interval or at ``dt_days``."""
        scale = self.scale[name][pairs]
        if dt_days is None:
            shape = self.shape[name][pairs]
        else:
            order = np.argsort(self.dt_days)
            x = np.log(np.maximum(self.dt_days[order], 1e-3))
            y = np.log(np.maximum(self.shape[name][order], 1e-9))
            shape = np.exp(np.interp(np.log(np.maximum(dt_days, 1e-3)), x, y))
        return np.maximum(scale * shape, self.floor[name])

    @property
    def sigma_a_km(self) -> np.ndarray:
        return self.sigma("a")

    @property
    def sigma_e(self) -> np.ndarray:
        return self.sigma("e")

    @property
    def sigma_h(self) -> np.ndarray:
        return self.sigma("h")


def _robust_scale(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return np.nan
    return float(MAD_TO_SIGMA * np.median(np.abs(finite - np.median(finite))))


def _rolling(groups: np.ndarray, values: np.ndarray, fn) -> np.ndarray:
    """fn over a window of NOISE_WINDOW_PAIRS pairs (rows of ``values``) around each pair
    of the same object."""
    out = np.full(values.shape[0], np.nan)
    half = NOISE_WINDOW_PAIRS // 2
    for norad in np.unique(groups):
        idx = np.flatnonzero(groups == norad)
        if idx.size <= NOISE_WINDOW_PAIRS:
            out[idx] = fn(values[idx])
            continue
        for pos, i in enumerate(idx):
            lo = min(max(pos - half, 0), idx.size - NOISE_WINDOW_PAIRS)
            out[i] = fn(values[idx[lo : lo + NOISE_WINDOW_PAIRS]])
    return out


def _interval_shape(dt_days: np.ndarray, normalised: np.ndarray) -> np.ndarray:
    """Robust scale of ``normalised`` innovations as a function of the interval between
    the sets (log-log interpolation between bins of at least MIN_BIN_PAIRS pairs)."""
    edges = np.array(SHAPE_BIN_EDGES_DAYS)
    centres, scales = [], []
    for lo, hi in itertools.pairwise(edges):
        m = (dt_days >= lo) & (dt_days < hi)
        values = normalised[m].ravel()
        values = values[np.isfinite(values)]
        if values.size >= MIN_BIN_PAIRS:
            centres.append(np.sqrt(max(lo, 1e-3) * hi) if np.isfinite(hi) else 2 * lo)
            scales.append(MAD_TO_SIGMA * np.median(np.abs(values)))
    if len(centres) < 2:
        return np.ones(dt_days.size)
    logs = np.interp(
        np.log(np.maximum(dt_days, 1e-3)), np.log(centres), np.log(np.maximum(scales, 1e-6))
    )
    return np.exp(logs)


def _scales(ids: np.ndarray, values: np.ndarray, dt_days: np.ndarray, ok: np.ndarray, floor: float):
    """Per pair (object scale, interval shape), sigma being their product (values: (p, k)
    innovations, k components sharing one scale), estimated robustly and alternately."""
    shape = np.ones(values.shape[0])
    counts = _rolling(ids, ok.astype(float)[:, None], lambda x: float(np.sum(x)))
    masked = np.where(ok[:, None], values, np.nan)
    for _ in range(SHAPE_ITERATIONS):
        scaled = masked / shape[:, None]
        own = _rolling(ids, scaled, lambda x: _robust_scale(np.ravel(x)))
        pooled = _robust_scale(scaled.ravel())
        pooled = pooled if np.isfinite(pooled) and pooled > 0 else floor
        own = np.where(np.isfinite(own), own, pooled)
        obj = np.sqrt((counts * own**2 + PRIOR_PAIRS * pooled**2) / (counts + PRIOR_PAIRS))
        shape = shape * _interval_shape(dt_days, masked / (obj * shape)[:, None])
    return obj, shape


def noise_model(inn: Innovations) -> NoiseModel:
    """Robust per-object noise of the innovations (an object scale times a catalog-wide
    function of the interval between the sets), shrunk to the catalog-wide scale."""
    ok = inn.valid
    ids = inn.norad_id
    long_enough = (inn.dt_days > 0.05)[:, None]
    rate = np.where(
        long_enough & ok[:, None], inn.de / np.maximum(inn.dt_days, 0.05)[:, None], np.nan
    )
    centre = np.stack([_rolling(ids, rate[:, c], np.nanmedian) for c in range(2)], axis=1)
    centre = np.nan_to_num(centre) * inn.dt_days[:, None]
    floors = {"a": FLOOR_A_KM, "e": FLOOR_E, "h": FLOOR_H}
    values = {"a": inn.da_km[:, None], "e": inn.de - centre, "h": inn.dh}
    fitted = {k: _scales(ids, values[k], inn.dt_days, ok, floors[k]) for k in floors}
    return NoiseModel(
        dt_days=inn.dt_days,
        scale={k: v[0] for k, v in fitted.items()},
        shape={k: v[1] for k, v in fitted.items()},
        floor=floors,
        centre_e=centre,
    )


@dataclass(frozen=True)
class Significance:
    """Per pair: z of a, chi-square of e and h, and whether any is a candidate."""

    z_a: np.ndarray
    chi2_e: np.ndarray
    chi2_h: np.ndarray

    @property
    def candidate(self) -> np.ndarray:
        return (
            (np.abs(self.z_a) > Z_SCALAR)
            | (self.chi2_e > CHI2_VECTOR)
            | (self.chi2_h > CHI2_VECTOR)
        )


def significance(inn: Innovations, noise: NoiseModel) -> Significance:
    z_a = inn.da_km / noise.sigma_a_km
    chi2_e = np.sum(((inn.de - noise.centre_e) / noise.sigma_e[:, None]) ** 2, axis=1)
    chi2_h = np.sum((inn.dh / noise.sigma_h[:, None]) ** 2, axis=1)
    bad = ~inn.valid
    return Significance(np.where(bad, 0, z_a), np.where(bad, 0, chi2_e), np.where(bad, 0, chi2_h))


@dataclass(frozen=True, eq=False)
class Maneuver:
    """One detected maneuver: the sets around it, epoch, size and the evidence."""

    norad_id: int
    row_before: int
    row_after: int
    epoch_offset_s: float  # from set ``row_before``'s epoch
    epoch_sigma_s: float
    kind: str
    delta_v_m_s: float
    delta_v_sigma_m_s: float
    tangential_m_s: float
    normal_m_s: float
    evidence: dict


def _groups(inn: Innovations, flagged: np.ndarray) -> list[np.ndarray]:
    """Runs of flagged pairs of one object, consecutive and within MERGE_DAYS overall."""
    out: list[np.ndarray] = []
    current: list[int] = []
    for p in np.flatnonzero(flagged):
        if current:
            q = current[-1]
            t_start = inn.before[current[0]]
            contiguous = inn.before[p] == inn.after[q] and inn.norad_id[p] == inn.norad_id[q]
            span = inn.dt_days[current].sum() + inn.dt_days[p]
            if contiguous and span <= MERGE_DAYS and t_start >= 0:
                current.append(int(p))
                continue
            out.append(np.array(current))
        current = [int(p)]
    if current:
        out.append(np.array(current))
    return out


def _speed_km_s(a_km: np.ndarray) -> np.ndarray:
    return np.sqrt(GM_EARTH_WGS72_KM3_S2 / a_km)


def _epoch_east_west(
    dl: float, da: float, a: float, span_s: float, sigma_l: float, sigma_a: float
) -> tuple[float, float]:
    """(offset from the set before, sigma) of a drift-changing burn from the longitude lag."""
    n = np.sqrt(GM_EARTH_WGS72_KM3_S2 / a**3)
    rate = -1.5 * n * da / a  # change of the mean-longitude rate, rad/s
    uniform = span_s / np.sqrt(12.0)
    if abs(rate) * span_s < 3 * sigma_l:
        return 0.5 * span_s, uniform
    lag = float(np.clip(dl / rate, 0.0, span_s))  # time since the burn at the later epoch
    sigma = np.hypot(sigma_l, lag * 1.5 * n * sigma_a / a) / abs(rate)
    return span_s - lag, float(min(sigma, uniform))


def _epoch_from_direction(
    angle: float, l0: float, n_rad_s: float, span_s: float, period_fraction: float, guess: float
) -> float | None:
    """The time in [0, span] nearest ``guess`` when the mean longitude equals ``angle``
    modulo ``period_fraction`` of a revolution (None if the interval holds none)."""
    cycle = 2 * np.pi * period_fraction
    first = np.mod(angle - l0, cycle) / n_rad_s
    spacing = cycle / n_rad_s
    times = first + spacing * np.arange(int(span_s // spacing) + 2)
    times = times[times <= span_s]
    if not times.size:
        return None
    return float(times[np.argmin(np.abs(times - guess))])


def _measure(
    sets: SetQuantities, inn: Innovations, noise: NoiseModel, group: np.ndarray
) -> Maneuver | None:
    """Size, epoch and type of the maneuver between the sets around a run of pairs; None
    when the direct comparison of those sets shows no significant jump (one bad set
    between good ones flags the pairs on both sides, with opposite jumps)."""
    first, last = int(group[0]), int(group[-1])
    before, after = int(inn.before[first]), int(inn.after[last])
    pred, actual, ok = direct_innovation(sets, np.array([before]), np.array([after]))
    if not ok[0]:
        return None
    a = float(actual.a_km[0])
    v = float(_speed_km_s(actual.a_km)[0]) * 1000.0  # m/s
    da = float(actual.a_km[0] - pred.a_km[0])
    dl = float(np.angle(np.exp(1j * (actual.mean_longitude_rad[0] - pred.mean_longitude_rad[0]))))
    de = np.array([actual.ex[0] - pred.ex[0], actual.ey[0] - pred.ey[0]])
    de = de - noise.centre_e[group].sum(axis=0)
    dh = np.array([actual.hx[0] - pred.hx[0], actual.hy[0] - pred.hy[0]])
    span_days = float(inn.dt_days[group].sum())
    s_a, s_e, s_h = (float(noise.sigma(k, group[:1], span_days)[0]) for k in ("a", "e", "h"))
    tangential = v * da / (2 * a)
    from_e = v * float(np.hypot(*de)) / 2
    normal = v * float(np.hypot(*dh))
    z_t, z_n = abs(da) / s_a, float(np.hypot(*dh)) / s_h
    z_e = float(np.hypot(*de)) / s_e
    in_plane = max(abs(tangential), from_e if z_e > np.sqrt(CHI2_VECTOR) else 0.0)
    in_plane_sigma = v * max(s_a / (2 * a), s_e / 2)
    n_rad_s = np.sqrt(GM_EARTH_WGS72_KM3_S2 / a**3)
    span_s = float((sets.epoch[after] - sets.epoch[before]).to_value("sec"))
    sigma_l = s_a * 1.5 * n_rad_s / a * span_s + 1e-5
    l0 = float(pred.mean_longitude_rad[0]) - n_rad_s * span_s  # at the set before's epoch
    significant_t = z_t > Z_SCALAR or z_e > np.sqrt(CHI2_VECTOR)
    significant_n = z_n > np.sqrt(CHI2_VECTOR)
    if not (significant_t or significant_n):
        return None
    if significant_t and (not significant_n or in_plane >= normal):
        offset, sigma = _epoch_east_west(dl, da, a, span_s, sigma_l, s_a)
        if z_e > np.sqrt(CHI2_VECTOR) and abs(from_e - abs(tangential)) < 0.3 * max(from_e, 1e-9):
            # One tangential burn: e jumped towards the burn's right ascension (+ for prograde).
            angle = float(np.arctan2(de[1], de[0])) + (0.0 if da > 0 else np.pi)
            refined = _epoch_from_direction(angle, l0, n_rad_s, span_s, 1.0, offset)
            if refined is not None and abs(refined - offset) < 2 * sigma + 3 * 3600:
                offset, sigma = refined, min(sigma, 1800.0)
        kind = "east-west" if not significant_n else "combined"
    else:
        angle = float(np.arctan2(dh[0], -dh[1]))
        offset = _epoch_from_direction(angle, l0, n_rad_s, span_s, 0.5, 0.5 * span_s)
        offset = 0.5 * span_s if offset is None else offset
        sigma = span_s / np.sqrt(12.0)
        kind = "north-south" if not significant_t else "combined"
    drift_before = float(sets.drift_deg_per_day[before])
    drift_after = float(sets.drift_deg_per_day[after])
    relocation = _relocation(drift_before, drift_after)
    if relocation and kind in ("east-west", "combined"):
        kind = relocation
    delta_v = float(np.hypot(in_plane, normal)) if kind != "north-south" else normal
    if kind == "north-south":
        sigma_dv = v * s_h
    elif normal > 3 * v * s_h:
        sigma_dv = float(np.hypot(in_plane_sigma, v * s_h))
    else:
        sigma_dv = in_plane_sigma
    later = after + 1 < len(sets.catalog) and sets.norad_id[after + 1] == sets.norad_id[after]
    evidence = {
        "sets": [_set_label(sets, before), _set_label(sets, after)],
        "confirmed_by_later_set": bool(later),
        "pairs_merged": int(group.size),
        "semi_major_axis_jump_km": da,
        "semi_major_axis_sigma": round(z_t, 1),
        "eccentricity_jump": float(np.hypot(*de)),
        "eccentricity_sigma": round(z_e, 1),
        "inclination_vector_jump_deg": float(np.degrees(np.hypot(*dh))),
        "inclination_sigma": round(z_n, 1),
        "drift_before_deg_per_day": drift_before,
        "drift_after_deg_per_day": drift_after,
        "noise_sigma_a_km": s_a,
        "noise_sigma_e": s_e,
        "noise_sigma_inclination_deg": float(np.degrees(s_h)),
    }
    return Maneuver(
        norad_id=int(sets.norad_id[before]),
        row_before=before,
        row_after=after,
        epoch_offset_s=float(offset),
        epoch_sigma_s=float(sigma),
        kind=kind,
        delta_v_m_s=delta_v,
        delta_v_sigma_m_s=float(sigma_dv),
        tangential_m_s=float(tangential),
        normal_m_s=normal,
        evidence=evidence,
    )


def _relocation(before: float, after: float) -> str | None:
    kept_before, kept_after = (
        abs(before) < KEPT_DRIFT_DEG_PER_DAY,
        abs(after) < KEPT_DRIFT_DEG_PER_DAY,
    )
    if abs(after - before) < RELOCATION_DRIFT_CHANGE_DEG_PER_DAY:
        return None
    if kept_before and not kept_after:
        return "relocation-start"
    if kept_after and not kept_before:
        return "relocation-stop"
    return "relocation"


def _set_label(sets: SetQuantities, row: int) -> str:
    utc = sets.epoch[row].utc
    utc.precision = 0
    return f"{utc.isot}Z"


@dataclass(frozen=True, eq=False)
class ManeuverAnalysis:
    """Maneuvers of a history, with the per-set quantities and the noise they were judged by."""

    maneuvers: list[Maneuver]
    sets: SetQuantities
    innovations: Innovations
    noise: NoiseModel
    significance: Significance

    def maneuver_epochs(self):
        return [
            self.sets.epoch[m.row_before] + TimeDelta(m.epoch_offset_s, format="sec")
            for m in self.maneuvers
        ]


def detect_maneuvers(history: Catalog) -> ManeuverAnalysis:
    """Maneuvers in an element-set history (one or many objects, any order).

    Raises :class:`InputError` for a history without two element sets of one object.
    Objects outside the GEO regime are analysed the same way, typed by which
    quantity jumped (their drift-based relocation types do not apply).
    """
    sets, inn = analyse_history(history)
    if inn.before.size == 0:
        raise InputError(
            "a maneuver history needs at least two element sets of one object", field="history"
        )
    noise = noise_model(inn)
    sig = significance(inn, noise)
    measured = (_measure(sets, inn, noise, g) for g in _groups(inn, sig.candidate))
    maneuvers = [m for m in measured if m is not None]
    geo = is_geo(sets.catalog)
    for m in maneuvers:
        if not geo[m.row_before] and m.kind.startswith("relocation"):
            object.__setattr__(m, "kind", "in-plane")
    return ManeuverAnalysis(maneuvers, sets, inn, noise, sig)


def maneuver_events(analysis: ManeuverAnalysis, markings: Markings) -> list[Event]:
    """One MANEUVER event per detected maneuver."""
    events = []
    for m, when in zip(analysis.maneuvers, analysis.maneuver_epochs(), strict=True):
        name = str(analysis.sets.catalog.name[m.row_before]).strip()
        events.append(
            Event(
                event_id=event_id(EventKind.MANEUVER, [m.norad_id], when),
                kind=EventKind.MANEUVER,
                norad_ids=(m.norad_id,),
                time=when,
                markings=markings,
                figures={
                    "delta_v_m_s": m.delta_v_m_s,
                    "delta_v_sigma_m_s": m.delta_v_sigma_m_s,
                    "tangential_delta_v_m_s": m.tangential_m_s,
                    "normal_delta_v_m_s": m.normal_m_s,
                },
                evidence={"type": m.kind, **m.evidence},
                summary=(
                    f"{name or m.norad_id}: {m.kind} maneuver of {m.delta_v_m_s:.3f} "
                    f"+- {m.delta_v_sigma_m_s:.3f} m/s"
                ),
                time_sigma_s=m.epoch_sigma_s,
            )
        )
    return events
