"""Detection statistics at measurement level: which would-be observations the frame path
would detect, and how precisely.

For each target and frame: its magnitude (:func:`rso_magnitude`, the diffuse sphere the
frame renderer draws, sizes from :func:`rso_sizes`), its electrons over the exposure
(:func:`electron_rate`), its streak length under sidereal tracking (apparent angular
rate across the sky x exposure) and its expected SNR with the renderer's own formula
(:func:`~beltwatch.simulation._render.snr`: noise-equivalent area of the smeared PSF, sky
+ dark background, read noise). Then (:class:`DetectionModel`):

* detection probability ``Pd = Phi((SNR - threshold_snr) / width_snr)``: processing keeps
  RSO candidates whose *measured* (sep) SNR is >= 5 (``MIN_CANDIDATE_SNR``); the measured
  SNR scatters around the expected one and is a little lower for streaks, and a
  detection counts only when linked into a tracklet, which together put the 50 % point at
  ``threshold_snr`` = 5.8 with ``width_snr`` = 0.7 (maximum-likelihood fit on 1 300
  target-frames of 12 rendered and processed sequences of the default QZS-6 camera,
  docs/main-job.md);
* astrometric noise per axis ``sigma = sqrt(floor^2 + (centroid_fwhm_factor * FWHM /
  SNR)^2)``: the centroid error of a PSF of width FWHM falls as 1/SNR (factor 1.0 fitted
  on the same frames, the 4-5 px GEO streak of the default camera included), the floor is
  what remains at high SNR (plate solution, 0.1 arcsec on simulated frames; the run uses
  its configured ``sigma_arcsec`` as the floor, an allowance for timing and attitude
  errors that simulated frames do not have);
* a tracklet needs ``min_frames`` detected frames, else it is dropped.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from beltwatch.sensors import OpticalSensor
from beltwatch.simulation._photometry import (
    electron_rate,
    rso_magnitude,
    sky_electrons_per_pixel_s,
)
from beltwatch.simulation._render import FWHM_TO_SIGMA, snr


@dataclass(frozen=True)
class DetectionModel:
    """Detection probability and astrometric noise as functions of expected SNR (see the
    module docstring; the defaults are the values fitted on the frame path)."""

    threshold_snr: float = 5.8
    width_snr: float = 0.7
    centroid_fwhm_factor: float = 1.0
    floor_arcsec: float = 0.1
    min_frames: int = 3

    def probability(self, snr_expected: np.ndarray) -> np.ndarray:
        """Probability that one frame's source of expected SNR is detected (0 for NaN)."""
        s = np.nan_to_num(np.asarray(snr_expected, dtype=float), nan=-np.inf)
        return ndtr((s - self.threshold_snr) / self.width_snr)

    def sigma_arcsec(self, snr_expected: np.ndarray, fwhm_arcsec: float) -> np.ndarray:
        """Astrometric noise per axis (arcsec) of a detection of expected SNR."""
        s = np.maximum(np.asarray(snr_expected, dtype=float), 1e-3)
        return np.hypot(self.floor_arcsec, self.centroid_fwhm_factor * fwhm_arcsec / s)


def expected_snr(
    sensor: OpticalSensor,
    radius_m: np.ndarray,
    albedo: np.ndarray,
    target_r_km: np.ndarray,
    target_v_km_s: np.ndarray,
    observer_r_km: np.ndarray,
    observer_v_km_s: np.ndarray,
    sun_km: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(expected SNR, visual magnitude) of RSOs in one exposure under sidereal tracking.

    GCRS positions (km) and velocities (km/s), shapes broadcasting to (..., 3); NaN
    magnitude (SNR 0) in the Earth's umbra.
    """
    mag, _ = rso_magnitude(radius_m, albedo, target_r_km, observer_r_km, sun_km)
    los = target_r_km - observer_r_km
    range_km = np.linalg.norm(los, axis=-1)
    unit = los / range_km[..., None]
    rel_v = target_v_km_s - observer_v_km_s
    across = rel_v - np.sum(rel_v * unit, axis=-1)[..., None] * unit
    rate_rad_s = np.linalg.norm(across, axis=-1) / range_km
    t = sensor.exposure_s
    length_px = sensor.streak_px(rate_rad_s)
    flux_e = np.where(np.isfinite(mag), electron_rate(np.nan_to_num(mag, nan=99.0), sensor) * t, 0)
    sigma_px = sensor.psf_fwhm_arcsec / sensor.pixel_scale_arcsec * FWHM_TO_SIGMA
    background_e = (sky_electrons_per_pixel_s(sensor) + sensor.dark_current_e_per_s) * t
    return snr(flux_e, length_px, sigma_px, background_e, sensor.read_noise_e), mag


# The check of the model against the frame path (docs/main-job.md): SNR bins, and the
# slack of the binomial test. Detections of one target in consecutive frames are not
# independent (one tracklet), and blends with stars the check cannot see all remove a few
# per cent, hence a fixed allowance on top of 3 binomial standard deviations.
CHECK_SNR_EDGES = (0.0, 4.0, 5.0, 6.0, 7.0, 9.0, 12.0, 20.0, np.inf)
CHECK_MIN_PER_BIN = 8
CHECK_BINOMIAL_SIGMAS = 3.0
CHECK_ALLOWANCE = 0.08
# Median of |2-D error| / sigma per axis for a circular Gaussian: sqrt(2 ln 2).
RAYLEIGH_MEDIAN = float(np.sqrt(2.0 * np.log(2.0)))
CHECK_SIGMA_RATIO_BAND = (0.75, 1.33)


def check_detection(snr_expected: np.ndarray, detected: np.ndarray, model: DetectionModel) -> dict:
    """Observed detection fraction per SNR bin against the model's mean Pd.

    A bin (at least ``CHECK_MIN_PER_BIN`` target-frames) passes when
    ``|observed - predicted| <= 3 sqrt(p (1 - p) / n) + CHECK_ALLOWANCE``; ``passed`` when
    every such bin does.
    """
    s = np.asarray(snr_expected, dtype=float)
    hit = np.asarray(detected, dtype=bool)
    p = model.probability(s)
    bins = []
    for lo, hi in itertools.pairwise(CHECK_SNR_EDGES):
        m = (s >= lo) & (s < hi)
        n = int(m.sum())
        if n < CHECK_MIN_PER_BIN:
            continue
        pred = float(p[m].mean())
        obs = float(hit[m].mean())
        tol = CHECK_BINOMIAL_SIGMAS * np.sqrt(pred * (1.0 - pred) / n) + CHECK_ALLOWANCE
        bins.append({
            "snr_from": lo, "snr_to": None if np.isinf(hi) else hi, "n": n,
            "predicted": round(pred, 3), "observed": round(obs, 3),
            "passed": bool(abs(obs - pred) <= tol),
        })  # fmt: skip
    return {"bins": bins, "passed": bool(bins) and all(b["passed"] for b in bins)}


def check_astrometry(
    error_arcsec: np.ndarray, snr_expected: np.ndarray, fwhm_arcsec: float, model: DetectionModel
) -> dict:
    """Median of (2-D error / modelled sigma per axis) / sqrt(2 ln 2): 1 when the model is
    right; ``passed`` inside ``CHECK_SIGMA_RATIO_BAND`` (the median ignores the few blended
    detections with errors of several arcsec)."""
    err = np.asarray(error_arcsec, dtype=float)
    if not err.size:
        return {"n": 0, "median_ratio": None, "passed": False}
    ratio = float(np.median(err / model.sigma_arcsec(snr_expected, fwhm_arcsec)) / RAYLEIGH_MEDIAN)
    lo, hi = CHECK_SIGMA_RATIO_BAND
    return {"n": int(err.size), "median_ratio": round(ratio, 3), "passed": lo <= ratio <= hi}
