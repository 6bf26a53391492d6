"""Truth of a simulated day and the starting catalog derived from it.

Truth: a seeded synthetic GEO population (or a catalog file), plus what an exercise
injects: an intruder placed ``miss_km`` from a protected host at a chosen time of closest
approach (radially offset, crossing at ``relative_speed_m_s``), a new object in a GEO
slot (never in the catalog) and an along-track burn of a station-kept satellite (its
truth is two segments: the element set before, and one fitted to the burned state after).

The starting catalog: each object's element set with an along-track error growing with
its age (``in_track_error_km_per_day``), a ``stale_fraction`` refitted at an epoch
``stale_age_days`` before the population epoch, and ``missing_fraction`` of the objects
(and the injected new object) left out: they are to be discovered.

Truth states follow the simulation's truth model (:func:`simulated_truth_states`: SGP4 at
the survey start, then numerical propagation with a random area-to-mass ratio drawn from
the survey's seed); tests check it reproduces the simulated observations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch._limits import check_memory
from beltwatch.catalog import Catalog, load_catalog, synthetic_geo_population
from beltwatch.constants import EARTH_ROTATION_TURNS_PER_UT1_DAY
from beltwatch.orbit_determination import od_propagator
from beltwatch.pipeline._config import ApproachInjection, ScenarioConfig
from beltwatch.propagation import (
    ForceModel,
    NumericalPropagator,
    Sgp4Propagator,
    fit_sgp4,
    fit_sgp4_to_orbit,
)
from beltwatch.sensors import HostPlatform, Observer, Scenario
from beltwatch.timescales import as_time, tai_seconds_since_j2000
from beltwatch.values import OrbitState

# The simulation's truth model (beltwatch.simulation survey): area-to-mass range, C_R.
TRUTH_AMR_RANGE_M2_KG = (0.005, 0.03)
TRUTH_CR = 1.3
TRUTH_GEOPOTENTIAL_DEGREE = 4
STATION_KEPT_MAX_INCLINATION_DEG = 0.1
AIM_PASSES = 3  # corrections of the exercise intruder's element set (see _aimed)
# The survey's working set: truth states, directions and masks per target, frame and host.
FRAMES_PER_SEQUENCE = 4
BYTES_PER_TARGET_FRAME = 400
STATION_KEPT_MAX_DRIFT_REV_PER_DAY = 1e-3


@dataclass(frozen=True, eq=False)
class TruthPart:
    """Targets simulated together from ``start`` with one seed; their observations are
    kept between ``keep_from`` and ``keep_to`` (TAI seconds since J2000)."""

    label: str
    targets: Catalog
    seed: int
    keep_from_s: float = -np.inf
    keep_to_s: float = np.inf


@dataclass(frozen=True)
class Injected:
    """What an exercise put into the truth (None: not injected)."""

    maneuver: dict | None = None  # norad_id, time (Time), delta_v_m_s
    approach: dict | None = None  # asset, asset_norad_id, norad_id, tca (Time), miss_km
    new_object: dict | None = None  # norad_id, longitude_deg


@dataclass(frozen=True, eq=False)
class Truth:
    population: Catalog  # one element set per truth object (pre-burn for the maneuver)
    catalog: Catalog  # the starting catalog (aged, some objects missing)
    source: str
    start: Time
    stop: Time
    parts: tuple[TruthPart, ...]
    missing: np.ndarray  # truth objects absent from the catalog
    stale: np.ndarray  # catalog objects with stale element sets
    injected: Injected = field(default_factory=Injected)


def simulated_truth_states(
    targets: Catalog, start: Time, times: Time, seed: int, rows: np.ndarray | None = None
) -> np.ndarray:
    """(n, m, 6) GCRS truth states of ``targets`` at ``times``, as the survey simulation
    draws them for a run seeded ``seed`` starting at ``start`` (only ``rows`` of
    ``targets``, when given: the same states, less work)."""
    rng = np.random.default_rng(seed)
    amr = rng.uniform(*TRUTH_AMR_RANGE_M2_KG, len(targets))
    if rows is not None:
        targets, amr = targets[rows], amr[rows]
    eph = Sgp4Propagator(workers=1).propagate(targets, Time([start]), "gcrs")
    x0 = np.concatenate([eph.position_km[:, 0], eph.velocity_km_s[:, 0]], axis=-1)
    prop = NumericalPropagator(
        ForceModel.geo_default(amr, TRUTH_CR, degree=TRUTH_GEOPOTENTIAL_DEGREE),
        rtol=1e-10,
        atol_km=1e-6,
        atol_km_s=1e-9,
    )
    states, _ = prop.propagate(start, x0, times)
    return states


def truth_states_at(truth: Truth, when: Time) -> tuple[np.ndarray, np.ndarray]:
    """(norad ids, (n, 6) GCRS states) of every truth object at ``when`` (the segment
    of a maneuvered object that holds ``when``)."""
    t_s = float(tai_seconds_since_j2000(when))
    ids, states = [], []
    for part in truth.parts:
        if not part.keep_from_s <= t_s < part.keep_to_s:
            continue
        x = simulated_truth_states(part.targets, truth.start, Time([when]), part.seed)
        ids.append(part.targets.norad_id.astype(np.int64))
        states.append(x[:, 0])
    return np.concatenate(ids), np.concatenate(states)


def _population(config: ScenarioConfig) -> tuple[Catalog, str]:
    t = config.truth
    if t.population == "catalog":
        if not t.catalog_file:
            from beltwatch.errors import InputError

            raise InputError("population = 'catalog' needs a catalog_file", field="truth")
        cat = load_catalog(t.catalog_file).catalog.latest()
        source = str(t.catalog_file)
    else:
        cat = synthetic_geo_population(seed=config.run.seed)
        source = f"synthetic GEO population (seed {config.run.seed})"
    cat = cat[np.argsort(cat.norad_id, kind="stable")]
    if t.max_objects is not None:
        cat = cat[: t.max_objects]
    return cat, source


def _fit_state(state: OrbitState, span_s: float, name: str) -> Catalog:
    fit = fit_sgp4_to_orbit(state, od_propagator(), span_s=span_s, step_s=900.0, tle_check=False)
    cat = fit.catalog
    return replace(cat, name=np.array([name], dtype=object))


def _longitudes_deg(cat: Catalog, when: Time) -> np.ndarray:
    eph = Sgp4Propagator(workers=1).propagate(cat, Time([when]), "itrs")
    r = eph.position_km[:, 0]
    return np.degrees(np.arctan2(r[:, 1], r[:, 0]))


def _radial_normal(r: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    radial = r / np.linalg.norm(r)
    normal = np.cross(r, v)
    return radial, normal / np.linalg.norm(normal)


def build_truth(config: ScenarioConfig, sensors: Scenario) -> Truth:
    """The truth population, its parts, the injections and the derived catalog."""
    pop, source = _population(config)
    rng = np.random.default_rng(config.run.seed + 1)
    newest = pop.epoch.max()
    start = (
        as_time(config.run.start, field="run.start")
        if config.run.start
        else newest + TimeDelta(config.catalog.age_days * 86400.0, format="sec")
    )
    n_frames = FRAMES_PER_SEQUENCE * config.run.hours * 3600.0 / config.observe.sequence_spacing_s
    check_memory(
        len(pop) * n_frames * BYTES_PER_TARGET_FRAME * len(config.observe.hosts),
        f"the survey of {len(pop)} objects over {n_frames:,.0f} frames",
        "shorten --hours or lengthen observe.sequence_spacing_s",
    )
    stop = start + TimeDelta(config.run.hours * 3600.0, format="sec")
    inj = config.inject
    injected: dict = {}
    extra: list[Catalog] = []
    hosts = sensors.hosts
    if inj.close_approach is not None:
        a = inj.close_approach
        host = hosts.get(a.asset)
        if host is None:
            from beltwatch.errors import InputError

            raise InputError(
                f"no host {a.asset!r} in the sensor scenario", field="inject.close_approach.asset"
            )
        tca = start + TimeDelta(a.after_hours * 3600.0, format="sec")
        r, v = (x[0] for x in host.states_gcrs(Time([tca])))
        radial, normal = _radial_normal(r, v)
        state = OrbitState(
            tca, r + a.miss_km * radial, v + a.relative_speed_m_s / 1000.0 * normal, "gcrs",
            norad_id=a.norad_id,
        )  # fmt: skip
        extra.append(_fit_state(state, (a.after_hours + 2.0) * 3600.0, "EXERCISE INTRUDER"))
        asset_id = host.norad_id if isinstance(host, HostPlatform) else None
        injected["approach"] = {
            "asset": a.asset, "asset_norad_id": asset_id, "norad_id": a.norad_id,
            "tca": tca, "miss_km": a.miss_km,
        }  # fmt: skip
    if inj.new_object is not None:
        n = inj.new_object
        ref = next(iter(hosts.values()))
        r_ref, _ = (x[0] for x in ref.states_gcrs(Time([start])))
        # a geosynchronous circular state at the requested longitude (rotation of a host's)
        lon_ref = _longitudes_from_gcrs(r_ref, start)
        angle = np.radians(n.longitude_deg - lon_ref)
        c, s = np.cos(angle), np.sin(angle)
        rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        r_ref_h, v_ref_h = (x[0] for x in ref.states_gcrs(Time([start])))
        state = OrbitState(start, rot @ r_ref_h, rot @ v_ref_h, "gcrs", norad_id=n.norad_id)
        extra.append(_fit_state(state, -(config.run.hours + 2.0) * 3600.0, "EXERCISE NEW OBJECT"))
        injected["new_object"] = {"norad_id": n.norad_id, "longitude_deg": n.longitude_deg}
    if extra:
        pop = Catalog.concatenate([pop, *extra])
        pop = pop[np.argsort(pop.norad_id, kind="stable")]
    parts: list[TruthPart] = []
    main = pop
    if inj.maneuver is not None:
        m = inj.maneuver
        norad = m.norad_id if m.norad_id is not None else _station_kept_near(pop, start)
        row = np.flatnonzero(pop.norad_id == norad)
        if not row.size:
            from beltwatch.errors import InputError

            raise InputError(f"object {norad} is not in the truth", field="inject.maneuver")
        burn = start + TimeDelta(m.after_hours * 3600.0, format="sec")
        x = simulated_truth_states(pop[row], start, Time([burn]), config.run.seed + 11)[0, 0]
        v_unit = x[3:] / np.linalg.norm(x[3:])
        post_state = OrbitState(
            burn, x[:3], x[3:] + m.delta_v_m_s / 1000.0 * v_unit, "gcrs", norad_id=int(norad)
        )
        post = _fit_state(post_state, -(config.run.hours - m.after_hours + 2.0) * 3600.0,
                          str(pop.name[row[0]]))  # fmt: skip
        t_burn = float(tai_seconds_since_j2000(burn))
        main = pop[pop.norad_id != norad]
        parts.append(TruthPart("pre", pop[row], config.run.seed + 11, keep_to_s=t_burn))
        parts.append(TruthPart("post", post, config.run.seed + 12, keep_from_s=t_burn))
        injected["maneuver"] = {
            "norad_id": int(norad), "time": burn, "delta_v_m_s": m.delta_v_m_s,
        }  # fmt: skip
    if inj.close_approach is not None:
        aim = inj.close_approach
        main = _aimed(main, hosts[aim.asset], start, config.run.seed, aim)
        pop = Catalog.concatenate(
            [pop[pop.norad_id != aim.norad_id], main[main.norad_id == aim.norad_id]]
        )
        pop = pop[np.argsort(pop.norad_id, kind="stable")]
    parts.insert(0, TruthPart("main", main, config.run.seed))
    catalog, missing, stale = derive_catalog(pop, start, config, rng, injected)
    return Truth(
        population=pop,
        catalog=catalog,
        source=source,
        start=start,
        stop=stop,
        parts=tuple(parts),
        missing=missing,
        stale=stale,
        injected=Injected(**injected),
    )


def _aimed(main: Catalog, host: Observer, start: Time, seed: int, a: ApproachInjection) -> Catalog:
    """``main`` with the intruder's element set corrected so that its truth trajectory
    (SGP4 at ``start``, then the truth model's numerical propagation: other forces than
    the fit's) passes ``a.miss_km`` radially from the asset at the TCA, crossing at
    ``a.relative_speed_m_s``: ``AIM_PASSES`` fixed-point passes on the state at the TCA
    (one pass left the miss off by km; each pass shrinks the error ~100-fold)."""
    tca = start + TimeDelta(a.after_hours * 3600.0, format="sec")
    r, v = (x[0] for x in host.states_gcrs(Time([tca])))
    radial, normal = _radial_normal(r, v)
    want = np.concatenate([r + a.miss_km * radial, v + a.relative_speed_m_s / 1000.0 * normal])
    aim = want.copy()
    for _ in range(AIM_PASSES):
        row = np.flatnonzero(main.norad_id == a.norad_id)
        x = simulated_truth_states(main, start, Time([tca]), seed, rows=row)[0, 0]
        aim += want - x
        state = OrbitState(tca, aim[:3], aim[3:], "gcrs", norad_id=a.norad_id)
        fitted = _fit_state(state, (a.after_hours + 2.0) * 3600.0, "EXERCISE INTRUDER")
        main = Catalog.concatenate([main[main.norad_id != a.norad_id], fitted])
        main = main[np.argsort(main.norad_id, kind="stable")]
    return main


def _longitudes_from_gcrs(r: np.ndarray, when: Time) -> float:
    from beltwatch.frames import transform_states

    r_itrs, _ = transform_states(r[None, None], np.zeros((1, 1, 3)), Time([when]), "gcrs", "itrs")
    return float(np.degrees(np.arctan2(r_itrs[0, 0, 1], r_itrs[0, 0, 0])))


def _station_kept_near(pop: Catalog, when: Time, longitude_deg: float = 140.0) -> int:
    """The station-kept object (inclination < 0.1 deg, mean motion ~1 rev/day) nearest
    to ``longitude_deg`` (between QZS-6 and the QZS-7 slot by default)."""
    names = np.array([str(n) for n in pop.name])
    ok = np.degrees(pop.inclination_rad) < STATION_KEPT_MAX_INCLINATION_DEG
    ok &= (
        np.abs(pop.mean_motion_rev_per_day - EARTH_ROTATION_TURNS_PER_UT1_DAY)
        < STATION_KEPT_MAX_DRIFT_REV_PER_DAY
    )
    ok &= ~np.char.startswith(names, "EXERCISE")
    rows = np.flatnonzero(ok)
    lon = _longitudes_deg(pop[rows], when)
    diff = np.abs((lon - longitude_deg + 180.0) % 360.0 - 180.0)
    return int(pop.norad_id[rows[int(np.argmin(diff))]])


def derive_catalog(
    pop: Catalog, start: Time, config: ScenarioConfig, rng: np.random.Generator, injected: dict
) -> tuple[Catalog, np.ndarray, np.ndarray]:
    """(catalog, missing ids, stale ids): see the module docstring."""
    c = config.catalog
    protected = {
        injected.get("approach", {}).get("norad_id"),
        injected.get("maneuver", {}).get("norad_id"),
    } - {None}
    new_ids = {injected["new_object"]["norad_id"]} if "new_object" in injected else set()
    eligible = np.flatnonzero(~np.isin(pop.norad_id, [*protected, *new_ids]))
    n_missing = round(c.missing_fraction * len(pop))
    gone = (
        rng.choice(pop.norad_id[eligible], n_missing, replace=False)
        if n_missing
        else np.zeros(0, np.int64)
    )
    missing = np.sort(np.array([*gone, *new_ids], dtype=np.int64))
    kept = pop[~np.isin(pop.norad_id, missing)]
    candidates = np.flatnonzero(~np.isin(kept.norad_id, list(protected)))
    n_stale = round(c.stale_fraction * len(kept))
    stale_rows = (
        np.sort(rng.choice(candidates, n_stale, replace=False))
        if n_stale
        else np.zeros(0, np.int64)
    )
    if len(stale_rows):
        kept = _refit_stale(kept, np.asarray(stale_rows), c.stale_age_days)
    age_days = np.asarray((start - kept.epoch).to_value("day"), float)
    a_km = kept.semi_major_axis_km
    sigma_km = c.in_track_error_km_per_day * np.abs(age_days)
    dm = rng.standard_normal(len(kept)) * sigma_km / a_km
    kept = replace(kept, mean_anomaly_rad=np.mod(kept.mean_anomaly_rad + dm, 2 * np.pi))
    stale = np.sort(kept.norad_id[np.asarray(stale_rows, dtype=np.int64)])
    return kept, missing, stale


def _refit_stale(cat: Catalog, rows: np.ndarray, age_days: float) -> Catalog:
    """Element sets of ``rows`` refitted (SGP4 to SGP4 samples) at an epoch ``age_days``
    before their own."""
    sub = cat[rows]
    epoch = sub.epoch.min() - TimeDelta(age_days * 86400.0, format="sec")
    times = epoch + TimeDelta(np.linspace(-43200.0, 43200.0, 25), format="sec")
    eph = Sgp4Propagator(workers=1).propagate(sub, times, "gcrs")
    fit = fit_sgp4(
        times, eph.position_km, eph.velocity_km_s, frame="gcrs", epoch=epoch,
        norad_id=sub.norad_id, tle_check=False,
    )  # fmt: skip
    refit = replace(
        fit.catalog, name=sub.name, intl_designator=sub.intl_designator,
        radius_m=sub.radius_m, albedo=sub.albedo,
    )  # fmt: skip
    keep = np.ones(len(cat), bool)
    keep[rows] = False
    out = Catalog.concatenate([cat[keep], refit])
    return out[np.argsort(out.norad_id, kind="stable")]
