"""A dataset with mixed markings (every record kind under every marking below), and an
independent statement of the default policy, expanded by hand, for the leak tests.

The oracle is written from docs/sharing.md and default_policy.toml by reading, not by
calling beltwatch.sharing: where the implementation and this table disagree, a test fails."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from beltwatch.formats import ConjunctionEvent
from beltwatch.sharing import ElementFit
from beltwatch.values import ElementSet, Event, EventKind, Markings, Observation, OrbitState

MARKINGS = [
    Markings("USA", "RESTRICTED", frozenset()),
    Markings("USA", "RESTRICTED", frozenset({"FVEY"})),
    Markings("USA", "RESTRICTED", frozenset({"GBR"})),
    Markings("USA", "RESTRICTED", frozenset({"FVEY", "JPN"})),
    Markings("USA", "PARTNER", frozenset({"FVEY", "JPN"})),
    Markings("USA", "PARTNER", frozenset({"MN_CELL"})),
    Markings("USA", "PARTNER", frozenset({"JPN"})),
    Markings("USA", "PUBLIC", frozenset({"GLOBAL_SENTINEL"})),
    Markings("USA", "PUBLIC", frozenset()),
    Markings("JPN", "PARTNER", frozenset({"USA"})),
    Markings("JPN", "RESTRICTED", frozenset({"FVEY"})),
    Markings("JPN", "PUBLIC", frozenset({"MN_CELL", "KOR", "NLD"})),
    Markings("GBR", "RESTRICTED", frozenset({"USA"})),
    Markings("JPN+USA", "PARTNER", frozenset({"JPN", "USA"})),
    Markings("JPN+USA", "RESTRICTED", frozenset({"USA"})),
    Markings("JPN+USA", "PARTNER", frozenset()),  # joint owners are not exempt
    Markings("GBR+USA", "RESTRICTED", frozenset({"GBR"})),
    Markings("USA", "TOPSECRET", frozenset({"FVEY"})),  # unknown level: fails closed
    Markings("USA", "PARTNER", frozenset({"NOT_A_GROUP"})),  # unknown name: matches no one
    Markings("USA", "PUBLIC", frozenset({"MN_CELL", "KOR", "NLD"})),
]
T0 = Time("2026-05-24T00:00:00", scale="utc")


def observation(i: int, markings: Markings) -> Observation:
    ang = 0.3 * i
    return Observation(
        obs_id=f"obs-{i}",
        time=T0 + TimeDelta(61.0 * i, format="sec"),
        ra_rad=0.1 + 0.3 * i,
        dec_rad=-0.2 + 0.02 * i,
        ra_sigma_rad=5e-6,
        dec_sigma_rad=5e-6,
        observer_position_km=42164.0 * np.array([np.cos(ang), np.sin(ang), 0.0]),
        observer_velocity_km_s=3.07 * np.array([-np.sin(ang), np.cos(ang), 0.0]),
        sensor_id="101",
        markings=markings,
        magnitude=12.0,
        norad_id=1000 + i,
    )


def state(i: int, markings: Markings, norad: int | None = None) -> OrbitState:
    ang = 0.5 * i
    return OrbitState(
        epoch=T0 + TimeDelta(600.0 * i, format="sec"),
        position_km=42164.0 * np.array([np.cos(ang), np.sin(ang), 0.001 * i]),
        velocity_km_s=3.0747 * np.array([-np.sin(ang), np.cos(ang), 0.0]),
        frame="gcrs",
        covariance=np.diag([1e-2, 1e-2, 1e-2, 1e-8, 1e-8, 1e-8]),
        norad_id=norad if norad is not None else 2000 + i,
        markings=markings,
    )


def event(i: int, markings: Markings) -> ConjunctionEvent:
    a = state(i, markings, 3000 + i)
    b = OrbitState(
        a.epoch,
        a.position_km + np.array([0.3, 0.1, 0.0]),
        a.velocity_km_s + np.array([0.0, 0.001, 0.01]),
        "gcrs",
        a.covariance,
        4000 + i,
        markings,
    )
    return ConjunctionEvent(f"evt-{i}", a.epoch, 0.316, a, b, markings, 1e-5, "A", "B")


def element_set(i: int, markings: Markings) -> ElementSet:
    return ElementSet(
        norad_id=6000 + i,
        epoch=T0 + TimeDelta(3600.0 * i, format="sec"),
        mean_motion_rev_per_day=1.0027 + 1e-5 * i,
        eccentricity=1e-4 * (i + 1),
        inclination_rad=math.radians(0.05 * i),
        raan_rad=math.radians(10.0 * i),
        arg_perigee_rad=math.radians(5.0 * i),
        mean_anomaly_rad=math.radians(20.0 * i),
        name=f"GEO-{i}",
        markings=markings,
    )


def alert(i: int, markings: Markings) -> Event:
    return Event(
        event_id=f"alert-{i}",
        kind=EventKind.MANEUVER,
        norad_ids=(5000 + i,),
        time=T0 + TimeDelta(60.0 * i, format="sec"),
        markings=markings,
        figures={"delta_v_m_s": 0.5 + i},
        evidence={"sensor": "QZS6-HP", "sigma": 9.0},
        summary=f"maneuver {i}",
    )


@pytest.fixture(scope="session")
def make_observation():
    return observation


@pytest.fixture(scope="session")
def make_state():
    return state


@pytest.fixture(scope="session")
def dataset() -> dict[str, list]:
    return {
        "observations": [observation(i, m) for i, m in enumerate(MARKINGS)],
        "orbits": [state(i, m) for i, m in enumerate(MARKINGS)],
        "conjunctions": [event(i, m) for i, m in enumerate(MARKINGS)],
        "events": [alert(i, m) for i, m in enumerate(MARKINGS)],
        "element_sets": [element_set(i, m) for i, m in enumerate(MARKINGS)],
    }


FVEY = {"AUS", "CAN", "GBR", "NZL", "USA"}
MN = {"AUS", "CAN", "DEU", "FRA", "GBR", "ITA", "JPN", "NOR", "NZL", "USA"}
GS = MN | {"KOR", "NLD"}
GROUPS = {"FVEY": FVEY, "MN_CELL": MN, "GLOBAL_SENTINEL": GS}
LEVEL = {"PUBLIC": 0, "PARTNER": 1, "RESTRICTED": 2}
PARTNERS = {  # nations behind the seat, clearance
    "SSN": ({"USA"}, 2),
    "COMBINED_OPS": (FVEY, 2),
    "MN_CELL": (MN, 1),
    "JPN_LIAISON": ({"JPN"}, 1),
    "GLOBAL_SENTINEL": (GS, 0),
}
# kind -> rules in policy order: (rule name, from levels, to level, added nations, partners,
# formats it applies to or None for all)
RULES = {
    "observations": [
        ("observations-drop-sensor", {2}, 1, {"JPN"} | MN, {"JPN_LIAISON", "MN_CELL"}, None)
    ],
    "orbits": [
        (
            "orbits-sgp4-elements",
            {1, 2},
            0,
            GS,
            {"GLOBAL_SENTINEL", "MN_CELL", "JPN_LIAISON"},
            {"omm"},
        ),
        ("orbits-reduced-precision", {2}, 1, {"JPN"} | MN, {"JPN_LIAISON", "MN_CELL"}, None),
    ],
    "conjunctions": [
        ("conjunctions-public-notice", {1, 2}, 0, GS, {"GLOBAL_SENTINEL"}, None),
    ],
    "element_sets": [],
    "events": [
        ("events-alert-notice", {2}, 1, {"JPN"} | MN, {"JPN_LIAISON", "MN_CELL"}, None),
    ],
}


def nations(names) -> set[str]:
    out: set[str] = set()
    for name in names:
        out |= GROUPS.get(name, {name})
    return out


def allowed(owner: str, level: str, rel: set[str], partner: str) -> bool:
    members, clearance = PARTNERS[partner]
    if level not in LEVEL or LEVEL[level] > clearance:
        return False
    exempt = {owner} if "+" not in owner else set()
    return members - exempt <= nations(rel)


def expected(
    kind: str, owner: str, level: str, rel: set[str], partner: str, fmt: str | None = None
) -> str | None:
    """'direct', the rule name, or None (withheld), for records exported as ``fmt``."""
    if allowed(owner, level, rel, partner):
        return "direct"
    for name, from_levels, to_level, added, partners, formats in RULES[kind]:
        if formats is not None and fmt not in formats:
            continue
        if partner in partners and LEVEL.get(level, -1) in from_levels:
            to_name = next(k for k, v in LEVEL.items() if v == to_level)
            if allowed(owner, to_name, nations(rel) | added, partner):
                return name
    return None


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    return SimpleNamespace(
        allowed=allowed, expected=expected, PARTNERS=PARTNERS, RULES=RULES, nations=nations
    )


# A short SGP4 fit span keeps the many OMM exports of the leak tests fast; the fit is the
# real one (tests/sharing/test_omm_export.py checks it over the default-length spans).
FIT_SPAN_S, FIT_STEP_S = 7200.0, 1200.0


@dataclass(frozen=True)
class MemoFit(ElementFit):
    """The real :class:`ElementFit`, fitting each distinct state once per test session
    (the leak tests release the same orbits to many partners)."""

    memo: dict = field(default_factory=dict, compare=False, hash=False)

    @staticmethod
    def _key(s: OrbitState) -> tuple:  # the fit depends on the state alone
        utc = s.epoch.utc
        return (utc.jd1, utc.jd2, s.position_km.tobytes(), s.velocity_km_s.tobytes())

    def fit(self, states):
        states = list(states)
        new = list({self._key(s): s for s in states if self._key(s) not in self.memo}.values())
        if new:
            elements, rms = super().fit(new)
            for s, e, r in zip(new, elements, rms, strict=True):
                self.memo[self._key(s)] = (e, float(r))
        got = [self.memo[self._key(s)] for s in states]
        return (
            [
                replace(e, markings=s.markings, norad_id=s.norad_id)
                for (e, _), s in zip(got, states, strict=True)
            ],
            np.array([r for _, r in got]),
        )


@pytest.fixture(scope="session")
def memo_fit() -> MemoFit:
    return MemoFit(FIT_SPAN_S, FIT_STEP_S)
