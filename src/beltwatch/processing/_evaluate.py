"""Accuracy of a processing run against the simulator's truth sidecars.

RSO positions are compared in the exchange convention (truth: light-time
corrected geometric RA/Dec from the sidecar; measured: the observation), so the
figures include the whole convention loop. A truth RSO is *resolvable* unless
another truth source lies within two PSF FWHM plus its streak length (blends are counted apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltwatch.frames import unit_vector_from_radec
from beltwatch.processing._batch import ProcessingResult

MATCH_RADIUS_PX = 3.0


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
        obs_by_frame.setdefault(o.frame_id, []).append(o)
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
        xy = np.array([[r["x"], r["y"]] for r in rsos] + [[s["x"], s["y"]] for s in truth["stars"]])
        dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).T)
        np.fill_diagonal(dist, np.inf)
        length = np.array(
            [np.hypot(r["x_end"] - r["x_start"], r["y_end"] - r["y_start"]) for r in rsos]
        )
        resolvable = dist.min(axis=0)[: len(rsos)] > 2.0 * psf_fwhm_px + length
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
