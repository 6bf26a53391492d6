"""Tracklets: RSO candidates linked across consecutive frames by uniform sky motion.

Candidates are placed on one tangent plane (pixel-scale units, exchange-convention
directions) with their times. A tracklet starts from a pair of candidates in
frames i and j (j <= i + 2) whose rate is plausible, is predicted linearly to
each later frame and takes the nearest candidate within tolerance. Kept: at
least ``min_length`` detections, linear-fit RMS <= 1 px, sky rate >= 0.2 px per
second (a fixed direction is an uncatalogued star, not an RSO).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltwatch.frames import gnomonic_project

MAX_RATE_PX_S = 20.0
MIN_RATE_PX_S = 0.2
MAX_FIT_RMS_PX = 1.0


@dataclass(frozen=True)
class Tracklet:
    """Detections (frame index, candidate index) of one object, in time order."""

    members: tuple[tuple[int, int], ...]
    rate_px_s: float
    rms_px: float


def link_tracklets(
    times_s: np.ndarray,
    units: list[np.ndarray],
    scale_rad: float,
    tolerance_px: float = 2.0,
    min_length: int = 3,
) -> list[Tracklet]:
    """Link candidates (one (n_k, 3) array of unit vectors per frame, frame times in s)."""
    n_frames = len(units)
    nonempty = [u for u in units if len(u)]
    if not nonempty:
        return []
    center = np.mean(np.concatenate(nonempty), axis=0)
    center /= np.linalg.norm(center)
    xy = [gnomonic_project(u, center) / scale_rad if len(u) else np.zeros((0, 2)) for u in units]
    used = [np.zeros(len(u), bool) for u in units]
    tracklets = []
    for i in range(n_frames):
        for a in range(len(xy[i])):
            if used[i][a]:
                continue
            best = None
            for j in range(i + 1, min(i + 3, n_frames)):
                dt = times_s[j] - times_s[i]
                d = np.hypot(*(xy[j] - xy[i][a]).T) if len(xy[j]) else np.zeros(0)
                for b in np.flatnonzero((d <= MAX_RATE_PX_S * dt) & ~used[j]):
                    members = _grow(i, a, j, int(b), times_s, xy, used, tolerance_px)
                    if best is None or len(members) > len(best):
                        best = members
            if best is None or len(best) < min_length:
                continue
            fit = _fit(best, times_s, xy)
            if fit is None:
                continue
            for f, c in best:
                used[f][c] = True
            tracklets.append(Tracklet(tuple(best), *fit))
    return tracklets


def _grow(i, a, j, b, times_s, xy, used, tolerance_px):
    members = [(i, a), (j, b)]
    for k in range(j + 1, len(xy)):
        if not len(xy[k]):
            continue
        t = np.array([times_s[f] for f, _ in members])
        p = np.array([xy[f][c] for f, c in members])
        coef = np.polyfit(t - t[0], p, 1)
        predicted = coef[0] * (times_s[k] - t[0]) + coef[1]
        d = np.hypot(*(xy[k] - predicted).T)
        d[used[k]] = np.inf
        c = int(np.argmin(d))
        if d[c] <= tolerance_px:
            members.append((k, c))
        elif k - members[-1][0] > 2:
            break
    return members


def _fit(members, times_s, xy):
    t = np.array([times_s[f] for f, _ in members])
    p = np.array([xy[f][c] for f, c in members])
    coef = np.polyfit(t - t[0], p, 1)
    residual = p - (np.outer(t - t[0], coef[0]) + coef[1])
    rms = float(np.sqrt(np.mean(np.sum(residual**2, axis=1))))
    rate = float(np.hypot(*coef[0]))
    if rms > MAX_FIT_RMS_PX or rate < MIN_RATE_PX_S:
        return None
    return rate, rms
