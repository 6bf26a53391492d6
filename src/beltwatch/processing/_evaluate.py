"""Accuracy of a processing run against the simulator's truth sidecars.

RSO positions are compared in the exchange convention (truth: light-time
corrected geometric RA/Dec from the sidecar; measured: the observation), so the
figures include the whole convention loop. A truth RSO counts towards completeness
when it is *resolvable* (no other truth source's track, start to end of the exposure,
comes within two PSF FWHM of its own track: streaked stars in rate tracking count with
their length) and *measurable* (its mid-exposure position at least ``EDGE_PX`` from
the detector edge, where reduction drops candidates with truncated PSFs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltwatch.frames import unit_vector_from_radec
from beltwatch.processing._batch import ProcessingResult
from beltwatch.processing._reduce import EDGE_PX

MATCH_RADIUS_PX = 3.0


def _point_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from points p to segments a-b (broadcasting, last axis 2)."""
    ab = b - a
    t = np.clip(np.sum((p - a) * ab, -1) / np.maximum(np.sum(ab * ab, -1), 1e-12), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[..., None] * ab), axis=-1)


def _cross(o: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """z of (u - o) x (v - o)."""
    return (u[..., 0] - o[..., 0]) * (v[..., 1] - o[..., 1]) - (u[..., 1] - o[..., 1]) * (
        v[..., 0] - o[..., 0]
    )


def segment_distances(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray):
    """Minimum distance (n, m) between segments a0-a1 (n, 2) and b0-b1 (m, 2)."""
    p0, p1 = a0[:, None, :], a1[:, None, :]
    q0, q1 = b0[None, :, :], b1[None, :, :]
    d = np.minimum.reduce(
        [
            _point_segment(p0, q0, q1),
            _point_segment(p1, q0, q1),
            _point_segment(q0, p0, p1),
            _point_segment(q1, p0, p1),
        ]
    )
    crossing = (np.sign(_cross(p0, p1, q0)) * np.sign(_cross(p0, p1, q1)) < 0) & (
        np.sign(_cross(q0, q1, p0)) * np.sign(_cross(q0, q1, p1)) < 0
    )
    return np.where(crossing, 0.0, d)


def _tracks(sources: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) pixel positions (n, 2); a point when the sidecar gives no ends."""
    mid = np.array([[s["x"], s["y"]] for s in sources]).reshape(-1, 2)
    start = np.array([[s.get("x_start", s["x"]), s.get("y_start", s["y"])] for s in sources])
    end = np.array([[s.get("x_end", s["x"]), s.get("y_end", s["y"])] for s in sources])
    return start.reshape(mid.shape), end.reshape(mid.shape)


@dataclass(frozen=True)
class Accuracy:
    frames: int
    frames_failed: int
    frames_with_10_stars: int
    plate_solved_with_10_stars: int
    rso_truth_snr7: int
    rso_found_snr7: int
    false_rso: int
    astrometric_n_snr20: int
    astrometric_rms_px_snr20: float
    astrometric_rms_px_all: float

    @property
    def completeness_snr7(self) -> float:
        return self.rso_found_snr7 / max(self.rso_truth_snr7, 1)

    @property
    def false_per_100_frames(self) -> float:
        return 100.0 * self.false_rso / max(self.frames, 1)

    @property
    def plate_success(self) -> float:
        return self.plate_solved_with_10_stars / max(self.frames_with_10_stars, 1)


def evaluate(
    result: ProcessingResult, truths: dict[str, dict], pixel_scale_rad: float, psf_fwhm_px: float
) -> Accuracy:
    """Compare ``result`` to truth sidecars keyed by frame id."""
    solved = {r.frame.frame_id for r in result.reductions}
    obs_by_frame: dict[str, list] = {}
    for o in result.observations:
        obs_by_frame.setdefault(o.frame_id or "", []).append(o)
    with10 = solved10 = truth7 = found7 = false = 0
    err20, err_all = [], []
    for frame_id, truth in truths.items():
        n_stars = len(truth["stars"])
        if n_stars >= 10:
            with10 += 1
            solved10 += frame_id in solved
        rsos = truth["rsos"]
        obs = obs_by_frame.get(frame_id, [])
        if not rsos:
            false += len(obs)
            continue
        t_unit = unit_vector_from_radec(
            np.radians([r["ra_deg"] for r in rsos]), np.radians([r["dec_deg"] for r in rsos])
        )
        a0, a1 = _tracks(rsos)
        b0, b1 = _tracks(rsos + truth["stars"])
        dist = segment_distances(a0, a1, b0, b1)
        dist[np.arange(len(rsos)), np.arange(len(rsos))] = np.inf
        resolvable = dist.min(axis=1) > 2.0 * psf_fwhm_px
        mid = np.array([[r["x"], r["y"]] for r in rsos])
        rows, cols = truth.get("rows", np.inf), truth.get("cols", np.inf)
        resolvable &= (mid[:, 0] > EDGE_PX) & (mid[:, 0] < cols - 1 - EDGE_PX)
        resolvable &= (mid[:, 1] > EDGE_PX) & (mid[:, 1] < rows - 1 - EDGE_PX)
        snr = np.array([r["snr"] for r in rsos])
        matched = np.zeros(len(rsos), bool)
        for o in obs:
            o_unit = unit_vector_from_radec(o.ra_rad, o.dec_rad)
            sep_px = np.arccos(np.clip(t_unit @ o_unit, -1, 1)) / pixel_scale_rad
            k = int(np.argmin(sep_px))
            if sep_px[k] > MATCH_RADIUS_PX:
                false += 1
                continue
            matched[k] = True
            err_all.append(sep_px[k])
            if snr[k] >= 20 and resolvable[k]:
                err20.append(sep_px[k])
        sel = (snr >= 7) & resolvable
        truth7 += int(sel.sum())
        found7 += int((matched & sel).sum())
    rms = lambda e: float(np.sqrt(np.mean(np.square(e)))) if e else float("nan")  # noqa: E731
    return Accuracy(
        frames=len(truths),
        frames_failed=len(truths) - len(solved & set(truths)),
        frames_with_10_stars=with10,
        plate_solved_with_10_stars=solved10,
        rso_truth_snr7=truth7,
        rso_found_snr7=found7,
        false_rso=false,
        astrometric_n_snr20=len(err20),
        astrometric_rms_px_snr20=rms(err20),
        astrometric_rms_px_all=rms(err_all),
    )
