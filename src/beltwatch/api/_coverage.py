"""Coverage as a partner may see it: per sensor, the released observations in a window,
how many objects they cover, and where on the GEO belt their lines of sight crossed the
GEO radius (longitude bins for the belt chart).

Only released observations count: a partner never learns of observations withheld from
it, and a sensor redacted by a sanitisation rule shows under its redacted name. A
sensor's kind and host show when the sensor's own markings are releasable to the partner.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from beltwatch.api._cursor import Position
from beltwatch.api._gate import released_page
from beltwatch.api._geo import belt_longitudes_deg
from beltwatch.api._service import Service
from beltwatch.api._views import items_of, observation_listing
from beltwatch.timescales import format_utc

MAX_OBSERVATIONS = 50_000  # most released observations summarised in one answer
BIN_DEG = 5.0


def coverage_json(service: Service, partner: str, start: Any, stop: Any) -> dict[str, Any]:
    listing = observation_listing(service, partner, start=start, stop=stop)
    observations: list = []
    position: Position | None = Position()
    while position is not None and len(observations) < MAX_OBSERVATIONS:
        got, position = released_page(listing, 1000, position)
        observations += got
    truncated = position is not None
    by_sensor: dict[str, list] = {}
    for obs in observations:
        by_sensor.setdefault(obs.sensor_id, []).append(obs)
    known = {}
    for sensor in items_of(service.store.sensors()):
        if service.policy.releasable(getattr(sensor, "markings", None), partner):
            known[str(sensor.sensor_id)] = sensor
    edges = np.arange(-180.0, 180.0 + BIN_DEG, BIN_DEG)
    sensors = []
    for sensor_id in sorted(by_sensor):
        group = by_sensor[sensor_id]
        lon = belt_longitudes_deg(group)
        good = lon[np.isfinite(lon)]
        counts, _ = np.histogram(good, edges)
        times = sorted(group, key=lambda o: float(o.time.utc.jd1 + o.time.utc.jd2))
        info = known.get(sensor_id)
        sensors.append(
            {
                "sensor_id": sensor_id,
                "kind": None if info is None else info.kind,
                "host_norad_id": None if info is None else info.host_norad_id,
                "observations": len(group),
                "objects": len({o.norad_id for o in group if o.norad_id is not None}),
                "first_utc": format_utc(times[0].time),
                "last_utc": format_utc(times[-1].time),
                "belt_longitude_bins": [
                    {"from_deg": float(lo), "to_deg": float(lo + BIN_DEG), "observations": int(c)}
                    for lo, c in zip(edges[:-1], counts, strict=True)
                    if c
                ],
            }
        )
    return {
        "sensors": sensors,
        "observations": len(observations),
        "truncated": truncated,
        "bin_deg": BIN_DEG,
    }
