"""A greedy scheduler that trades belt survey against follow-up of objects of interest.

At each decision the sensor takes the available action with the highest score
``priority * age / revisit * dwell / (dwell + slew)``: ``age`` is the time since
that tile or object was last visited, ``revisit`` the wanted revisit interval
(for survey tiles: one pass over all tiles), and the last factor charges the
slew and settle time of the mount. Availability (exclusions, field of regard,
night, and for objects also illumination and brightness) is taken from a
visibility grid; directions between grid samples are interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.sensors import FLAGS, Sensor, TaskingConfig, Visibility

SURVEY, FOLLOWUP = "survey", "followup"
# Constraints that decide whether a survey tile (a patch of sky) can be pointed at.
TILE_FLAGS = np.uint16(
    FLAGS["occulted"]
    | FLAGS["sun"]
    | FLAGS["moon"]
    | FLAGS["earth_limb"]
    | FLAGS["elevation"]
    | FLAGS["daylight"]
    | FLAGS["field_of_regard"]
)


@dataclass(frozen=True, eq=False)
class Schedule:
    """Pointings of one sensor (arrays of length n_pointings).

    ``start_s``: seconds after ``epoch``; ``kind``: 'survey' or 'followup';
    ``target``: tile index (survey) or follow-up target row; ``norad_id``: the
    followed object (-1 for survey); ``direction_gcrs``: boresight at mid-dwell.
    """

    sensor_id: str
    epoch: Time
    start_s: np.ndarray
    duration_s: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    norad_id: np.ndarray
    direction_gcrs: np.ndarray

    def __len__(self) -> int:
        return int(self.start_s.size)

    @property
    def mid_s(self) -> np.ndarray:
        return self.start_s + 0.5 * self.duration_s

    @property
    def start_times(self) -> Time:
        return self.epoch + TimeDelta(self.start_s, format="sec")

    def count(self, kind: str) -> int:
        return int(np.count_nonzero(self.kind == kind))


def time_major(los: np.ndarray) -> np.ndarray:
    """(n, m, 3) unit vectors as a contiguous (m, n, 3) array: one time slice is cheap to read."""
    return np.ascontiguousarray(np.swapaxes(los, 0, 1))


def direction_at(
    los_tm: np.ndarray, grid_s: np.ndarray, at_s: float, rows: np.ndarray | None = None
) -> np.ndarray:
    """Unit vectors (len(rows), 3) at ``at_s`` seconds, linear between samples of ``grid_s``.

    ``los_tm``: time-major (m, n, 3) directions (see :func:`time_major`).
    """
    f = float(np.clip(np.interp(at_s, grid_s, np.arange(grid_s.size)), 0, grid_s.size - 1))
    j0 = min(int(np.floor(f)), max(grid_s.size - 2, 0))
    j1 = min(j0 + 1, grid_s.size - 1)
    w = f - j0
    a = los_tm[j0] if rows is None else los_tm[j0, rows]
    b = los_tm[j1] if rows is None else los_tm[j1, rows]
    out = (1.0 - w) * a + w * b
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def schedule(
    sensor: Sensor,
    grid_s: np.ndarray,
    epoch: Time,
    *,
    tiles: Visibility | None = None,
    targets: Visibility | None = None,
    target_priority: np.ndarray | None = None,
    config: TaskingConfig | None = None,
) -> Schedule:
    """Plan pointings over ``grid_s`` (seconds after ``epoch``).

    ``tiles``: visibility of survey tile points (only pointing constraints count);
    ``targets``: visibility of follow-up objects (all constraints count);
    ``target_priority``: per target (default: ``config.followup_priority``).
    """
    config = config or TaskingConfig()
    dwell = sensor.pointing_dwell_s()
    n_tiles = 0 if tiles is None else tiles.flags.shape[0]
    n_targets = 0 if targets is None else targets.flags.shape[0]
    if n_tiles + n_targets == 0:
        raise ValueError(f"sensor {sensor.sensor_id}: nothing to schedule (no tiles, no targets)")
    ok_parts: list[np.ndarray] = []
    los_parts: list[np.ndarray] = []
    priorities: list[np.ndarray] = []
    revisits: list[np.ndarray] = []
    if tiles is not None and n_tiles:
        ok_parts.append((tiles.flags & TILE_FLAGS) == 0)
        los_parts.append(tiles.los_unit_gcrs)
        priorities.append(np.full(n_tiles, config.survey_priority))
        slew_guess = sensor.mount.settle_s + np.radians(2.0) / sensor.mount.slew_rate_rad_s
        revisits.append(np.full(n_tiles, max(n_tiles * (dwell + slew_guess), dwell)))
    if targets is not None and n_targets:
        ok_parts.append(targets.flags == 0)
        los_parts.append(targets.los_unit_gcrs)
        p = config.followup_priority if target_priority is None else target_priority
        priorities.append(np.broadcast_to(np.asarray(p, dtype=float), (n_targets,)))
        revisits.append(np.full(n_targets, config.custody_revisit_h * 3600.0))
    ok = np.ascontiguousarray(np.concatenate(ok_parts).T)  # (m, n): one time is one row
    los = time_major(np.concatenate(los_parts))
    priority, revisit = np.concatenate(priorities), np.concatenate(revisits)
    span = float(grid_s[-1])
    last = np.full(ok.shape[1], -span - 1.0)  # never visited: older than anything
    step = float(grid_s[1] - grid_s[0]) if grid_s.size > 1 else span or 1.0
    clock, pointing = 0.0, None
    rows: list[tuple[float, int, np.ndarray]] = []
    while clock + dwell <= span:
        j = min(int(np.floor(clock / step + 1e-9)), grid_s.size - 1)
        j_end = min(int(np.ceil((clock + dwell) / step - 1e-9)), grid_s.size - 1)
        available = ok[j] & ok[j_end]
        if not available.any():
            clock = (j + 1) * step
            pointing = None
            continue
        cand = np.flatnonzero(available)
        dirs = direction_at(los, grid_s, clock, cand)
        if pointing is None:
            slew = np.full(cand.size, sensor.mount.settle_s)
        else:
            angle = np.arccos(np.clip(dirs @ pointing, -1.0, 1.0))
            slew = angle / sensor.mount.slew_rate_rad_s + sensor.mount.settle_s
        age = clock - last[cand]
        score = priority[cand] * (age / revisit[cand]) * dwell / (dwell + slew)
        best = int(np.argmax(score))
        start = clock + float(slew[best])
        if start + dwell > span:
            break
        chosen = int(cand[best])
        direction = direction_at(los, grid_s, start + 0.5 * dwell, np.array([chosen]))[0]
        rows.append((start, chosen, direction))
        last[chosen] = start
        pointing = direction
        clock = start + dwell
    start_s = np.array([r[0] for r in rows])
    index = np.array([r[1] for r in rows], dtype=np.int64)
    is_survey = index < n_tiles
    norad = np.full(index.size, -1, dtype=np.int64)
    if targets is not None and n_targets:
        norad[~is_survey] = np.asarray(targets.norad_id)[index[~is_survey] - n_tiles]
    return Schedule(
        sensor.sensor_id,
        epoch,
        start_s,
        np.full(index.size, dwell),
        np.where(is_survey, SURVEY, FOLLOWUP),
        np.where(is_survey, index, index - n_tiles),
        norad,
        np.array([r[2] for r in rows]).reshape(-1, 3),
    )
