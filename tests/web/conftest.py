"""The dashboard in a real browser: the app served by uvicorn on a free loopback port in a
thread, over a store seeded with GEO objects at different markings; Debian's chromium
driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from beltwatch.values import ElementSet, Event, EventKind, Markings, Observation

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
T0 = Time("2026-05-24T00:00:00", scale="utc")
PUBLIC = Markings("USA", "PUBLIC", frozenset({"GLOBAL_SENTINEL"}))
PARTNER = Markings("USA", "PARTNER", frozenset({"FVEY", "JPN"}))
RESTRICTED = Markings("USA", "RESTRICTED", frozenset({"FVEY"}))
# norad_id -> (name, longitude east at T0 (deg), drift (deg/day), markings)
OBJECTS = {
    49055: ("QZS-PUBLIC-A", 90.5, 0.0, PUBLIC),
    49056: ("QZS-PUBLIC-B", 127.0, 0.0, PUBLIC),
    49057: ("DRIFTER-PUBLIC", 60.0, 1.5, PUBLIC),
    49058: ("PARTNER-SAT", 105.0, 0.0, PARTNER),
    49059: ("RESTRICTED-SAT", 140.0, -0.8, RESTRICTED),
}
RESTRICTED_ID = 49059


def _gmst_rad(t: Time) -> float:
    return float(t.sidereal_time("mean", "greenwich").rad)


def geo_sets(norad_id: int, name: str, lon_deg: float, drift: float, marks: Markings) -> list:
    """Element sets over 3 days for an object near ``lon_deg`` (circular, equatorial)."""
    out = []
    for day in range(4):
        epoch = T0 + TimeDelta(day * 86400.0, format="sec")
        lon = math.radians(lon_deg + drift * day)
        mean_anomaly = (lon + _gmst_rad(epoch)) % (2 * math.pi)  # raan = argp = 0
        out.append(
            ElementSet(
                norad_id=norad_id,
                epoch=epoch,
                mean_motion_rev_per_day=1.0027 + drift / 360.0,
                eccentricity=1e-4,
                inclination_rad=math.radians(0.05),
                raan_rad=0.0,
                arg_perigee_rad=0.0,
                mean_anomaly_rad=mean_anomaly,
                name=name,
                markings=marks,
            )
        )
    return out


def observations_from(lon_host_deg: float, targets_deg: list[float], marks: Markings) -> list:
    """Observations from a GEO host at ``lon_host_deg`` towards GEO points at ``targets``."""
    out = []
    for k, target in enumerate(targets_deg):
        t = T0 + TimeDelta(600.0 * k, format="sec")
        theta = _gmst_rad(t)
        radius = 42164.17
        host = radius * np.array(
            [
                math.cos(theta + math.radians(lon_host_deg)),
                math.sin(theta + math.radians(lon_host_deg)),
                0.0,
            ]
        )
        point = radius * np.array(
            [math.cos(theta + math.radians(target)), math.sin(theta + math.radians(target)), 0.01]
        )
        u = (point - host) / np.linalg.norm(point - host)
        out.append(
            Observation(
                obs_id=f"web-obs-{k}",
                time=t,
                ra_rad=math.atan2(u[1], u[0]) % (2 * math.pi),
                dec_rad=math.asin(u[2]),
                ra_sigma_rad=5e-6,
                dec_sigma_rad=5e-6,
                observer_position_km=host,
                observer_velocity_km_s=np.zeros(3),
                sensor_id="QZS6-WFC",
                markings=marks,
                norad_id=49055 if k % 2 == 0 else 49056,
            )
        )
    return out


@dataclass(frozen=True)
class Served:
    url: str
    keys: dict[str, str]
    broker: object  # the in-process stream's broker: publish on it to feed the dashboard


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    import uvicorn

    from beltwatch.api import create_app
    from beltwatch.sharing import load_policy
    from beltwatch.store import open_store
    from beltwatch.stream import MemoryBroker, MemoryStream

    tmp = tmp_path_factory.mktemp("web")
    store = open_store(f"sqlite:///{tmp / 'web.db'}")
    for norad_id, (name, lon, drift, marks) in OBJECTS.items():
        store.add_element_sets(geo_sets(norad_id, name, lon, drift, marks), source="test")
        store.upsert_object(
            norad_id, name=name, markings=marks, status="drifting" if drift else "station-kept"
        )
    store.add_observations(observations_from(90.5, [70, 80, 100, 110, 120, 127], PUBLIC))
    store.add_events(
        [
            Event(
                "web-evt-1",
                EventKind.MANEUVER,
                (49057,),
                T0 + TimeDelta(3600, format="sec"),
                PUBLIC,
                {"delta_v_m_s": 1.2},
                {},
                "east-west maneuver",
            ),
            Event(
                "web-evt-2",
                EventKind.PROXIMITY,
                (49059,),
                T0 + TimeDelta(7200, format="sec"),
                RESTRICTED,
                {"range_km": 12.0},
                {},
                "close approach to RESTRICTED-SAT",
            ),
        ]
    )
    keys = {p: store.add_api_key(p)[1] for p in ("COMBINED_OPS", "GLOBAL_SENTINEL")}
    broker = MemoryBroker()
    app = create_app(
        store, MemoryStream(broker), policy=load_policy(), audit_log=tmp / "audit.jsonl"
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", keys, broker)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (make install puts Debian's chromium there)"
        if os.environ.get("BELTWATCH_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (BELTWATCH_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    """Where screenshots go: $BELTWATCH_WEB_ARTEFACTS, else a temporary directory."""
    chosen = os.environ.get("BELTWATCH_WEB_ARTEFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"\ndashboard screenshots in {path}")
    return path
