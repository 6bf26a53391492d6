"""Analytics of the day: maneuvers (the EKF's runs of rejected rows), conjunctions of the
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
    ScreeningOptions,
    assess_collision_probability,
    conjunction_event,
    conjunction_from_orbits,
    conjunction_of,
    event_id,
    maneuver_events_from_filter,
    proximity_events,
    proximity_watch,
    public_markings,
    screen_catalog,
    screening_event,
)
from beltwatch.catalog import Catalog
from beltwatch.orbit_determination import element_set_sqrt_covariance, od_propagator
from beltwatch.pipeline._config import AnalyticsSection
from beltwatch.pipeline._orbits import EkfChunk, Orbits
from beltwatch.propagation import Sgp4Propagator, fit_sgp4
from beltwatch.sensors import HostPlatform, Observer, Scenario
from beltwatch.sharing import Policy
from beltwatch.values import Event, EventKind, Markings, OrbitState

ASSET_ID_BASE = 990_000_000  # numbers given to hosts that have none (a slot host)
REFINE_WINDOW_S = 1800.0


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


def conjunctions(
    cat: Catalog, asset_rows: np.ndarray, orbits: Orbits, start: Time,
    settings: AnalyticsSection, markings: Markings,
) -> tuple[list[Event], int]:  # fmt: skip
    """Conjunction events of the assets (see the module docstring), and how many
    approaches screening found."""
    options = ScreeningOptions(
        threshold_km=settings.screening_threshold_km, days=settings.screening_days
    )
    result = screen_catalog(cat, start=start, assets=asset_rows, options=options)
    events = []
    prop = od_propagator()
    for a in result.approaches:
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
            conj = replace(
                conj, collision_probability=assessment.pc, hard_body_radius_m=assessment.hbr_m
            )
            figures = {"max_pc": assessment.max_pc, "screened_miss_km": a.miss_km}
            evidence = {"pc": assessment.to_dict(), "orbit": orbits.method.get(other, "")}
            events.append(conjunction_event(conj, figures=figures, evidence=evidence))
        else:
            conj = conjunction_of(cat, a, markings)
            event, _, _ = screening_event(conj, a)
            events.append(event)
    return events, len(result.approaches)


def bracketed(event: Event, chunk: EkfChunk) -> Event:
    """A filter maneuver event dated inside its bracket: the burn lies between the object's
    last accepted row before the rejected run and the run's first row; the event time is
    the middle, its sigma half the gap (uniform: gap / sqrt(12) would understate the
    tails of a burn at the edge)."""
    meas, res = chunk.measurements, chunk.result
    index = int(np.flatnonzero(chunk.norad_ids == event.norad_ids[0])[0])
    rows = np.flatnonzero(meas.object_index == index)
    t = np.asarray((meas.times[rows] - event.time).to_value("s"), float)
    before = rows[(t < 0) & res.accepted[rows]]
    if not before.size:
        return event
    t_prev = float(np.max(t[np.isin(rows, before)]))
    middle = event.time + TimeDelta(t_prev / 2.0, format="sec")
    evidence = {**event.evidence, "first_rejected_utc": event.time_utc,
                "bracket_s": round(-t_prev, 1)}  # fmt: skip
    return replace(event, time=middle, time_sigma_s=-t_prev / 2.0, evidence=evidence)


def run_analytics(
    catalog: Catalog,
    orbits: Orbits,
    new_ids: list[int],
    sensors: Scenario,
    start: Time,
    settings: AnalyticsSection,
    policy: Policy,
) -> Analytics:
    own = policy.own_markings or public_markings(policy)
    derived = policy.combine([own, public_markings(policy)])
    out = Analytics()
    for chunk in orbits.ekf:
        found = maneuver_events_from_filter(
            chunk.result, chunk.measurements, own, chunk.norad_ids,
            min_run=settings.maneuver_min_run,
        )  # fmt: skip
        out.events += [bracketed(e, chunk) for e in found]
    cat, ids = screening_catalog(catalog, orbits, sensors, settings.assets, start)
    out.screening_catalog, out.assets = cat, ids
    asset_rows = np.flatnonzero(np.isin(cat.norad_id, list(ids.values())))
    if asset_rows.size:
        events, n = conjunctions(cat, asset_rows, orbits, start, settings, derived)
        out.events += events
        out.approaches_screened = n
        for row in asset_rows:
            prox = proximity_watch(
                cat, int(row), start=start, days=settings.screening_days,
                within_km=settings.proximity_within_km,
            )  # fmt: skip
            out.events += proximity_events(prox, derived)
    for n in new_ids:
        state = orbits.states.get(n)
        if state is None:
            continue
        out.events.append(
            Event(
                event_id=event_id(EventKind.NEW_OBJECT, [n], state.epoch),
                kind=EventKind.NEW_OBJECT,
                norad_ids=(n,),
                time=state.epoch,
                markings=own,
                figures={"rms_arcsec": orbits.rms_arcsec.get(n, float("nan"))},
                evidence={"method": orbits.method.get(n, "")},
                summary=f"new object {n} found by UCT linking and batch least squares",
            )
        )
    out.events.sort(key=lambda e: (e.time.tai.jd, e.kind.value, e.norad_ids))
    return out
