"""Batch processing: frames of a directory -> reductions, tracklets, observations, failures.

Frames are read and reduced one by one; a frame that cannot be read or reduced
becomes a :class:`FrameFailure` and the batch goes on. Reduced frames are grouped
by sensor into sequences (gaps of at most three cadences), candidates are linked
into tracklets, and every tracklet detection becomes an :class:`Observation`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from beltwatch.errors import InputError
from beltwatch.frames import radec_from_unit_vector
from beltwatch.processing._read import read_frame
from beltwatch.processing._reduce import FrameReduction, ReductionError, reduce_frame
from beltwatch.processing._tracklets import Tracklet, link_tracklets
from beltwatch.stars import StarCatalog, hipparcos
from beltwatch.values import Markings, Observation

MAX_GAP_CADENCES = 3.0


@dataclass(frozen=True)
class FrameFailure:
    """A frame the batch could not use, and why."""

    path: str
    reason: str


@dataclass(frozen=True, eq=False)
class ProcessingResult:
    observations: list[Observation]
    reductions: list[FrameReduction]
    failures: list[FrameFailure]
    tracklets: list[tuple[list[FrameReduction], Tracklet]] = field(default_factory=list)


def frame_paths(directory: str | Path) -> list[Path]:
    """The FITS frames of a directory (``*.fits``, ``*.fit``, ``*.fts``), sorted by name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("not a directory of FITS frames", source=directory)
    return sorted(p for p in directory.iterdir() if p.suffix.lower() in (".fits", ".fit", ".fts"))


def _sequences(reductions: list[FrameReduction]) -> list[list[FrameReduction]]:
    out: list[list[FrameReduction]] = []
    by_sensor: dict[str, list[FrameReduction]] = {}
    for r in reductions:
        by_sensor.setdefault(r.frame.sensor_id, []).append(r)
    for group in by_sensor.values():
        group.sort(key=lambda r: r.frame.time_mid.utc.jd1 + r.frame.time_mid.utc.jd2)
        times = np.array([_seconds(r, group[0]) for r in group])
        cadence = np.median(np.diff(times)) if len(times) > 1 else np.inf
        start = 0
        for k in range(1, len(group) + 1):
            if k == len(group) or times[k] - times[k - 1] > MAX_GAP_CADENCES * cadence:
                out.append(group[start:k])
                start = k
    return out


def _seconds(r: FrameReduction, ref: FrameReduction) -> float:
    return float((r.frame.time_mid - ref.frame.time_mid).to_value("sec"))


def process_frames(
    paths: Iterable[str | Path],
    *,
    markings: Markings,
    catalog: StarCatalog | None = None,
    min_tracklet_length: int = 3,
) -> ProcessingResult:
    """Reduce frames, link tracklets per sequence, and build observations carrying
    ``markings`` (a level and owner the releasability policy knows: the policy's own
    markings, ``Policy.own_markings``, unless the caller says otherwise)."""
    catalog = catalog if catalog is not None else hipparcos()
    reductions, failures = [], []
    for path in paths:
        try:
            reductions.append(reduce_frame(read_frame(path), catalog))
        except InputError as exc:
            failures.append(FrameFailure(str(path), exc.message))
        except ReductionError as exc:
            failures.append(FrameFailure(str(path), str(exc)))
    observations, tracks = [], []
    for sequence in _sequences(reductions):
        times = np.array([_seconds(r, sequence[0]) for r in sequence])
        scale = float(np.median([r.pixel_scale_rad for r in sequence]))
        length = min(min_tracklet_length, len(sequence))
        units = [r.candidates.unit for r in sequence]
        for n, tracklet in enumerate(link_tracklets(times, units, scale, min_length=length)):
            track_id = f"{sequence[0].frame.frame_id}-T{n:03d}"
            tracks.append((sequence, tracklet))
            for f, c in tracklet.members:
                observations.append(_observation(sequence[f], c, track_id, markings))
    return ProcessingResult(observations, reductions, failures, tracks)


def _observation(r: FrameReduction, c: int, track_id: str, markings: Markings) -> Observation:
    cand = r.candidates
    ra, dec = radec_from_unit_vector(cand.unit[c])
    sigma = float(cand.sigma_px[c]) * r.pixel_scale_rad
    return Observation(
        obs_id=f"{r.frame.frame_id}-{c:04d}",
        time=r.frame.time_mid,
        ra_rad=float(ra),
        dec_rad=float(dec),
        ra_sigma_rad=sigma / max(np.cos(dec), 1e-6),
        dec_sigma_rad=sigma,
        observer_position_km=r.frame.observer_position_km.copy(),
        observer_velocity_km_s=r.frame.observer_velocity_km_s.copy(),
        sensor_id=r.frame.sensor_id,
        markings=markings,
        magnitude=float(cand.magnitude[c]),
        frame_id=r.frame.frame_id,
        track_id=track_id,
    )
