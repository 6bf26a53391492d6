"""Rendering: pixel-integrated Gaussian PSFs of points and streaks, sky, dark, noise, defects.

Everything in electrons until :func:`to_adu`. A streak is its straight segment
(start to end of the exposure) sampled every <= 0.25 px, each sample a PSF with
an equal share of the flux, so its light-weighted centroid is the mid-exposure
position for uniform motion.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))
STREAK_SAMPLE_PX = 0.25


def _pixel_integrals(center: np.ndarray, first: np.ndarray, size: int, sigma: float) -> np.ndarray:
    """Fraction of a 1-D Gaussian falling in pixels first..first+size-1, shape (n, size)."""
    edges = first[:, None] + np.arange(size + 1)[None, :] - 0.5
    cdf = 0.5 * (1.0 + erf((edges - center[:, None]) / (np.sqrt(2.0) * sigma)))
    return np.diff(cdf, axis=1)


def add_points(
    image: np.ndarray, x: np.ndarray, y: np.ndarray, flux_e: np.ndarray, sigma_px: float
) -> None:
    """Add Gaussian PSFs (flux in electrons, 0-based pixel centres) to ``image`` in place."""
    x, y, flux = (np.asarray(a, dtype=float).ravel() for a in (x, y, flux_e))
    rows, cols = image.shape
    half = int(np.ceil(5.0 * sigma_px)) + 1
    size = 2 * half + 1
    keep = (x > -half) & (x < cols + half) & (y > -half) & (y < rows + half) & (flux > 0)
    x, y, flux = x[keep], y[keep], flux[keep]
    if not x.size:
        return
    x0 = np.round(x).astype(int) - half
    y0 = np.round(y).astype(int) - half
    wx = _pixel_integrals(x, x0, size, sigma_px)
    wy = _pixel_integrals(y, y0, size, sigma_px)
    stamps = flux[:, None, None] * wy[:, :, None] * wx[:, None, :]
    yy = y0[:, None, None] + np.arange(size)[None, :, None]
    xx = x0[:, None, None] + np.arange(size)[None, None, :]
    yy, xx = np.broadcast_arrays(yy, xx)
    inside = (yy >= 0) & (yy < rows) & (xx >= 0) & (xx < cols)
    np.add.at(image, (yy[inside], xx[inside]), stamps[inside])


def add_streaks(
    image: np.ndarray,
    x_start: np.ndarray,
    y_start: np.ndarray,
    x_end: np.ndarray,
    y_end: np.ndarray,
    flux_e: np.ndarray,
    sigma_px: float,
) -> None:
    """Add straight streaks (uniform motion from start to end) in place; points if length 0."""
    xs, ys, xe, ye, flux = (
        np.asarray(a, dtype=float).ravel() for a in (x_start, y_start, x_end, y_end, flux_e)
    )
    finite = np.isfinite(xs) & np.isfinite(ys) & np.isfinite(xe) & np.isfinite(ye)
    if not finite.all():  # sources off the camera's front hemisphere (no pixel position)
        xs, ys, xe, ye, flux = xs[finite], ys[finite], xe[finite], ye[finite], flux[finite]
    length = np.hypot(xe - xs, ye - ys)
    samples = np.maximum(np.ceil(length / STREAK_SAMPLE_PX).astype(int), 1) + 1
    owner = np.repeat(np.arange(xs.size), samples)
    offsets = np.arange(owner.size) - np.repeat(np.cumsum(samples) - samples, samples)
    frac = (offsets + 0.5) / samples[owner]  # midpoints of equal sub-intervals
    px = xs[owner] + frac * (xe - xs)[owner]
    py = ys[owner] + frac * (ye - ys)[owner]
    add_points(image, px, py, flux[owner] / samples[owner], sigma_px)


def effective_noise_pixels(sigma_px: float, length_px: np.ndarray) -> np.ndarray:
    """Noise-equivalent area (px) of a Gaussian PSF smeared over ``length_px``."""
    width = 2.0 * np.sqrt(np.pi) * sigma_px
    return width * (width + np.asarray(length_px, dtype=float))


def snr(
    flux_e: np.ndarray, length_px: np.ndarray, sigma_px: float, background_e: float, read_e: float
) -> np.ndarray:
    """Expected signal-to-noise of a source (electrons; per-pixel background and read noise)."""
    n_eff = effective_noise_pixels(sigma_px, length_px)
    flux = np.asarray(flux_e, dtype=float)
    return flux / np.sqrt(flux + n_eff * (background_e + read_e**2))


def add_noise_and_defects(
    image_e: np.ndarray,
    rng: np.random.Generator,
    read_noise_e: float,
    hot_pixels: tuple[np.ndarray, np.ndarray, np.ndarray],
    cosmic_rays: int,
) -> np.ndarray:
    """Poisson shot noise, hot pixels (index rows, cols, extra e), cosmic rays, read noise."""
    rows, cols = image_e.shape
    mean = image_e.copy()
    hy, hx, he = hot_pixels
    mean[hy, hx] += he
    noisy = rng.poisson(np.clip(mean, 0.0, None)).astype(float)
    # Cosmic rays: short tracks of a few pixels, thousands of electrons each.
    for _ in range(cosmic_rays):
        y, x = rng.integers(0, rows), rng.integers(0, cols)
        steps = rng.integers(1, 5)
        dy, dx = rng.choice([-1, 0, 1], size=2)
        for k in range(steps):
            yy, xx = y + k * dy, x + k * dx
            if 0 <= yy < rows and 0 <= xx < cols:
                noisy[yy, xx] += rng.uniform(2_000.0, 20_000.0)
    noisy += rng.normal(0.0, read_noise_e, size=noisy.shape)
    return noisy


def to_adu(image_e: np.ndarray, gain_e_per_adu: float, bias_adu: float, full_well_e: float):
    """Digitise: saturate at the full well, convert to ADU with a bias, clip to uint16."""
    e = np.minimum(image_e, full_well_e)
    adu = np.round(e / gain_e_per_adu + bias_adu)
    return np.clip(adu, 0, 65535).astype(np.uint16)
