"""Analytics of the day: maneuvers (confirmed by orbit determination: the EKF refused a
run of tracklets and a post-burn batch fit is consistent, or a delta-v solved for in one
fit of all rows is significant; pipeline._recheck), conjunctions of the
protected assets (the QZSS hosts) with the maintained catalog and their Pc, proximity of
anything within the watch radius, and a NEW_OBJECT event per discovered object.

Screening runs on element sets (the starting catalog, the hosts' own sets and the new
objects' sets fitted to our orbits); each approach with an object we hold an orbit for is
then recomputed from our orbit (numerical propagation, covariance mapped to TCA) against
the asset's ephemeris, and its Pc assessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.analytics import (
    CloseApproach,
    ScreeningOptions,
    assess_collision_probability,
    conjunction_event,
    conjunction_from_orbits,
    conjunction_of,
    event_id,
    proximity_events,
    proximity_watch,
    public_markings,
    screen_catalog,
    screening_event,
)
from beltwatch.catalog import Catalog
from beltwatch.formats import ConjunctionEvent
from beltwatch.orbit_determination import element_set_sqrt_covariance, od_propagator
from beltwatch.pipeline._config import AnalyticsSection
from beltwatch.pipeline._executor import Executor, LocalExecutor
from beltwatch.pipeline._orbits import ManeuverFit, Orbits
from beltwatch.propagation import Sgp4Propagator, fit_sgp4
from beltwatch.sensors import HostPlatform, Observer, Scenario
from beltwatch.sharing import Policy
from beltwatch.timescales import format_utc
from beltwatch.values import Event, EventKind, Markings, OrbitState

ASSET_ID_BASE = 990_000_000  # numbers given to hosts that have none (a slot host)
REFINE_WINDOW_S = 1800.0
SAME_APPROACH_S = 600.0  # one pair's approaches closer than this in TCA are one approach
PC_FLOOR = 1e-30  # a Pc below this says only "many sigmas apart": reported as 0, flagged


@dataclass(eq=False)
class Analytics:
    events: list[Event] = field(default_factory=list)
    screening_catalog: Catalog | None = None
    assets: dict[str, int] = field(default_factory=dict)  # host id -> number
    approaches_screened: int = 0


def _host_element_set(name: str, host: Observer, when: Time, number: int) -> Catalog:
    if isinstance(host, HostPlatform):
        cat = host.element_set
    else:
        times = when + TimeDelta(np.linspace(-43200.0, 43200.0, 25), format="sec")
        r, v = host.states_gcrs(times)
        cat = fit_sgp4(
            times,
            r[None],
            v[None],
            frame="gcrs",
            epoch=when,
            norad_id=np.array([number]),
            tle_check=False,
        ).catalog
    return replace(cat, name=np.array([f"QZS HOST {name}"], dtype=object))


def screening_catalog(
    catalog: Catalog, orbits: Orbits, sensors: Scenario, assets: tuple[str, ...], start: Time
) -> tuple[Catalog, dict[str, int]]:
    """The maintained catalog screened: the assets' element sets first, then our element
    sets (fitted to our orbits, new objects included) and, for objects we hold no orbit
    for, the starting catalog's sets."""
    parts, ids = [], {}
    for k, name in enumerate(assets):
        host = sensors.hosts.get(name)
        if host is None:
            continue
        number = host.norad_id if isinstance(host, HostPlatform) else ASSET_ID_BASE + k
        parts.append(_host_element_set(name, host, start, number))
        ids[name] = int(parts[-1].norad_id[0])
    ours = orbits.element_sets if orbits.element_sets is not None else Catalog.empty()
    taken = [*ids.values(), *ours.norad_id.tolist()]
    parts += [ours, catalog[~np.isin(catalog.norad_id, taken)]]
    return Catalog.concatenate(parts), ids


def _asset_state(cat: Catalog, row: int, when: Time) -> OrbitState:
    eph = Sgp4Propagator(workers=1).propagate(cat[[row]], Time([when]), "gcrs")
    r, v = eph.position_km[0, 0], eph.velocity_km_s[0, 0]
    s = element_set_sqrt_covariance(
        r, v, 0.0, sigma_km=(0.1, 0.2, 0.1), growth_km_per_day=(0, 0, 0)
    )
    return OrbitState(when, r, v, "gcrs", s @ s.T, int(cat.norad_id[row]))


def miss_sigma(conj: ConjunctionEvent) -> float:
    """The miss distance in 1-sigmas of the combined position covariance along the miss
    vector at TCA (NaN without both covariances)."""
    c1, c2 = conj.object1.covariance, conj.object2.covariance
    if c1 is None or c2 is None:
        return float("nan")
    d = conj.object2.position_km - conj.object1.position_km
    miss = float(np.linalg.norm(d))
    u = d / miss if miss > 0 else d
    sigma = float(np.sqrt(max(u @ (c1[:3, :3] + c2[:3, :3]) @ u, 0.0)))
    return miss / sigma if sigma > 0 else float("inf")


def reported_pc(pc: float | None, conj: ConjunctionEvent) -> tuple[float | None, str]:
    """(Pc as reported, note): a Pc below ``PC_FLOOR`` is reported as 0 with a note that
    gives the computed value and the miss in sigmas."""
    if pc is None or not np.isfinite(pc) or pc >= PC_FLOOR:
        return pc, ""
    return 0.0, (
        f"Foster 2D Pc {pc:.1e} is below {PC_FLOOR:g}: reported as 0 (miss "
        f"{miss_sigma(conj):.1f} sigma of the combined position covariance)"
    )


def screen_task(
    cat: Catalog, asset_rows: np.ndarray, start: Time, options: ScreeningOptions
) -> list[CloseApproach]:
    """One screening task: ``asset_rows`` of ``cat`` against the whole of ``cat``."""
    return screen_catalog(cat, start=start, assets=asset_rows, options=options).approaches


def screen_by_asset(
    cat: Catalog, asset_rows: np.ndarray, start: Time, options: ScreeningOptions,
    executor: Executor,
) -> list[CloseApproach]:  # fmt: skip
    """The assets' approaches, one screening task per asset; an approach between two
    assets (found by both tasks) is kept once. Sorted by TCA, as one call would give."""
    parts = executor.map(screen_task, [(cat, np.array([r]), start, options) for r in asset_rows])
    out: list[CloseApproach] = []
    for a in sorted((a for p in parts for a in p), key=lambda a: float(a.tca.tai.jd)):
        pair = {a.index1, a.index2}
        if not any(
            {b.index1, b.index2} == pair
            and abs(float((b.tca - a.tca).to_value("s"))) < SAME_APPROACH_S
            for b in out
        ):
            out.append(a)
    return out


def conjunctions(
    cat: Catalog, asset_rows: np.ndarray, orbits: Orbits, start: Time,
    settings: AnalyticsSection, markings: Markings, executor: Executor,
) -> tuple[list[Event], int]:  # fmt: skip
    """Conjunction events of the assets (see the module docstring), and how many
    approaches screening found."""
    options = ScreeningOptions(
        threshold_km=settings.screening_threshold_km, days=settings.screening_days
    )
    approaches = screen_by_asset(cat, asset_rows, start, options, executor)
    events = []
    prop = od_propagator()
    for a in approaches:
        n1, n2 = int(cat.norad_id[a.index1]), int(cat.norad_id[a.index2])
        other_row, other = (a.index2, n2) if a.index1 in asset_rows else (a.index1, n1)
        asset_row = a.index1 if other_row == a.index2 else a.index2
        ours = orbits.states.get(other)
        if ours is not None:
            t_from = a.tca - TimeDelta(REFINE_WINDOW_S, format="sec")
            s_asset = _asset_state(cat, asset_row, t_from)
            s_other = prop.propagate_state(ours, t_from)
            s_other = replace(s_other, norad_id=other)
            names = (str(cat.name[asset_row]).strip(), str(cat.name[other_row]).strip())
            conj = conjunction_from_orbits(
                s_asset, s_other, markings, days=2 * REFINE_WINDOW_S / 86400.0, step_s=10.0,
                names=names, propagator=prop,
            )  # fmt: skip
            assessment = assess_collision_probability(conj)
            pc, note = reported_pc(assessment.pc, conj)
            conj = replace(conj, collision_probability=pc, hard_body_radius_m=assessment.hbr_m)
            figures = {
                "max_pc": assessment.max_pc,
                "screened_miss_km": a.miss_km,
                "miss_sigma": miss_sigma(conj),
            }
            evidence = {"pc": assessment.to_dict(), "orbit": orbits.method.get(other, "")}
            if note:
                evidence["pc_note"] = note
            events.append(conjunction_event(conj, figures=figures, evidence=evidence))
        else:
            conj = conjunction_of(cat, a, markings)
            event, _, _ = screening_event(conj, a)
            events.append(event)
    return events, len(approaches)


def maneuver_event(fit: ManeuverFit, markings: Markings) -> Event:
    """The MANEUVER event of a maneuver orbit determination confirmed (``fit.method``:
    pre-burn EKF and a consistent post-burn batch fit, or a delta-v solved for in one
    batch fit of all rows): epoch and delta-v there."""
    dv = float(np.linalg.norm(fit.delta_v_m_s))
    figures = {"delta_v_m_s": dv, "refused_tracklets": float(fit.refused_tracklets)}
    evidence = {
        "first_refused_utc": format_utc(fit.first_refused),
        "delta_v_gcrs_m_s": [round(float(x), 4) for x in fit.delta_v_m_s],
        "post_burn_rms_arcsec": round(fit.post_rms_arcsec, 3),
    }
    if fit.method == "split":
        evidence |= {
            "type": "impulsive (pre-burn EKF, post-burn batch least squares)",
            "closest_km": round(fit.closest_km, 3),
        }
        how = "consistent post-burn orbit"
    else:
        figures["delta_v_sigma_m_s"] = fit.delta_v_sigma_m_s
        found = "near the split's epoch" if fit.method.startswith("split") else "between tracklets"
        evidence |= {
            "type": f"impulsive (delta-v solved for in batch least squares, {found})",
            "delta_v_sigma_ratio": round(dv / fit.delta_v_sigma_m_s, 1),
        }
        how = f"delta-v {dv / fit.delta_v_sigma_m_s:.0f} sigma in one fit of all rows"
    return Event(
        event_id=event_id(EventKind.MANEUVER, [fit.norad_id], fit.time),
        kind=EventKind.MANEUVER,
        norad_ids=(fit.norad_id,),
        time=fit.time,
        time_sigma_s=fit.time_sigma_s,
        markings=markings,
        figures=figures,
        evidence=evidence,
        summary=f"{fit.norad_id}: maneuver of {dv:.3g} m/s ({fit.refused_tracklets} "
        f"tracklets refused by the filter, {how})",
    )


def run_analytics(
    catalog: Catalog,
    orbits: Orbits,
    new_ids: list[int],
    sensors: Scenario,
    start: Time,
    settings: AnalyticsSection,
    policy: Policy,
    executor: Executor | None = None,
) -> Analytics:
    """Maneuver, conjunction, proximity and new-object events of the run (module
    docstring); screening runs as one task per asset on ``executor`` (default: here)."""
    own = policy.own_markings or public_markings(policy)
    derived = policy.combine([own, public_markings(policy)])
    out = Analytics()
    out.events += [
        maneuver_event(m, own)
        for m in orbits.maneuvers
        if m.method != "split" or m.refused_tracklets >= settings.maneuver_min_run
    ]
    cat, ids = screening_catalog(catalog, orbits, sensors, settings.assets, start)
    out.screening_catalog, out.assets = cat, ids
    asset_rows = np.flatnonzero(np.isin(cat.norad_id, list(ids.values())))
    if asset_rows.size:
        events, n = conjunctions(
            cat, asset_rows, orbits, start, settings, derived, executor or LocalExecutor()
        )
        out.events += events
        out.approaches_screened = n
        for row in asset_rows:
            prox = proximity_watch(
                cat, int(row), start=start, days=settings.screening_days,
                within_km=settings.proximity_within_km,
            )  # fmt: skip
            out.events += proximity_events(prox, derived)
    for n in new_ids:
        when = orbits.discovered.get(n)
        if when is None:
            continue
        orbit = orbits.method.get(n) or f"none: {orbits.failed.get(n, '')}"
        out.events.append(
            Event(
                event_id=event_id(EventKind.NEW_OBJECT, [n], when),
                kind=EventKind.NEW_OBJECT,
                norad_ids=(n,),
                time=when,
                markings=own,
                figures={"rms_arcsec": orbits.rms_arcsec.get(n, float("nan"))},
                evidence={"method": orbits.method.get(n, ""), "orbit": orbit},
                summary=f"new object {n} found by UCT linking and batch least squares",
            )
        )
    out.events.sort(key=lambda e: (e.time.tai.jd, e.kind.value, e.norad_ids))
    return out
