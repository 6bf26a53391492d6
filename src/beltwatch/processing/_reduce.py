"""Frame reduction: extract, plate-solve, photometric zero point, RSO candidates.

Detected directions are apparent (the WCS is fitted to apparent star places);
RSO candidates are converted to the exchange convention by removing the
aberration of the observer's GCRS velocity (docs/conventions.md). Light time
needs no correction here: the measured direction already is the direction to
the target at emission time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS
from scipy.spatial import cKDTree

from beltwatch.errors import BeltwatchError
from beltwatch.frames import deaberrate, unit_vector_from_radec
from beltwatch.processing._blind import DEFAULT_RADIUS_RAD, MIN_BLIND_STARS, blind_priors
from beltwatch.processing._extract import Sources, extract
from beltwatch.processing._platesolve import PlateSolution, solve_plate
from beltwatch.processing._read import FrameData
from beltwatch.sensors import pixels_from_units, units_from_pixels
from beltwatch.stars import StarCatalog, apparent_star_directions, hipparcos

MIN_CANDIDATE_SNR = 5.0
STAR_EXCLUSION_PX = 2.5
EDGE_PX = 3.0
STAR_MAG_LIMIT = 12.5


@dataclass(frozen=True, eq=False)
class Candidates:
    """RSO candidates of one frame (arrays): pixels, exchange-convention unit vectors (GCRS)."""

    x: np.ndarray
    y: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray
    sigma_px: np.ndarray
    snr: np.ndarray
    magnitude: np.ndarray
    unit: np.ndarray

    def __len__(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True, eq=False)
class FrameReduction:
    """The reduction of one frame."""

    frame: FrameData
    sources: Sources
    solution: PlateSolution
    zero_point_mag: float
    pixel_scale_rad: float
    candidates: Candidates


class ReductionError(BeltwatchError):
    """A frame that was read but could not be reduced (e.g. too few stars)."""


def _pixel_scale_rad(wcs: WCS) -> float:
    return float(np.radians(np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix)))))


@functools.lru_cache(maxsize=4)
def _bright(catalog: StarCatalog) -> StarCatalog:
    """The catalog's stars down to STAR_MAG_LIMIT (kept per catalog object)."""
    return catalog.select(catalog.mag <= STAR_MAG_LIMIT)


def field_stars(
    frame: FrameData, catalog: StarCatalog, wcs: WCS | None = None, extra_rad: float = 0.0
) -> tuple[StarCatalog, np.ndarray]:
    """Catalog stars around a pointing (default: the frame's prior WCS; ``extra_rad``
    widens the cone) and their apparent unit vectors."""
    wcs = wcs if wcs is not None else frame.wcs_prior
    center = unit_vector_from_radec(*np.radians(wcs.wcs.crval))
    rows, cols = frame.pixels.shape
    radius = 0.75 * _pixel_scale_rad(wcs) * np.hypot(rows, cols) + extra_rad
    stars = _bright(catalog).in_cone(center, radius)
    units = apparent_star_directions(
        stars, frame.time_mid, frame.observer_position_km, frame.observer_velocity_km_s
    )
    return stars, units


def reduce_frame(
    frame: FrameData,
    catalog: StarCatalog | None = None,
    blind_radius_rad: float = DEFAULT_RADIUS_RAD,
) -> FrameReduction:
    """Reduce one frame; :class:`ReductionError` when it cannot be plate-solved.

    Plate solution: from the attitude prior, then a roll search about it, then the
    blind fallback (pointing anywhere within ``blind_radius_rad`` of the prior; 0
    disables it).

    The background is subtracted from ``frame.pixels`` in place (a frame is read for
    its reduction; pass a copy to keep the raw pixels).
    """
    catalog = catalog if catalog is not None else hipparcos()
    sources = extract(
        frame.pixels, frame.psf_sigma_px, frame.gain_e_per_adu, bad=frame.bad,
        saturated_index=frame.saturated_index, overwrite=True, check_finite=False,
    )  # fmt: skip
    if len(sources) < 6:
        raise ReductionError(f"only {len(sources)} sources extracted")
    sharp = sources.sharp
    stars, units = field_stars(frame, catalog)
    usable = ~sharp & ~sources.saturated & (sources.flux > 0)
    solution = solve_plate(
        sources.x, sources.y, sources.flux, units, stars.mag, frame.wcs_prior,
        frame.pixels.shape, usable=usable,
    )  # fmt: skip
    if solution is None and blind_radius_rad > 0:
        stars, units, solution = _blind_solution(frame, catalog, sources, sharp, blind_radius_rad)
    if solution is None:
        raise ReductionError(
            f"plate solution failed ({len(stars)} catalog stars near the prior, "
            f"{len(sources)} sources)"
        )
    matched = solution.source_index
    inst = -2.5 * np.log10(
        np.clip(sources.flux[matched], 1e-9, None) * frame.gain_e_per_adu / frame.exposure_s
    )
    zero_point = float(np.median(stars.mag[solution.star_index] - inst))
    scale = _pixel_scale_rad(solution.wcs)
    candidates = _candidates(frame, sources, solution, units, sharp, zero_point, scale)
    return FrameReduction(frame, sources, solution, zero_point, scale, candidates)


def _blind_solution(frame, catalog, sources, sharp, radius_rad):
    """(stars, units, solution) from the blind fallback, or (empty, empty, None)."""
    wide, wide_units = field_stars(frame, catalog, extra_rad=radius_rad)
    # Saturated stars are the brightest ones: good enough (<~1 px) to vote with.
    for prior in blind_priors(
        sources, ~sharp, (wide_units, wide.mag), frame.wcs_prior, frame.pixels.shape, radius_rad
    ):
        stars, units = field_stars(frame, catalog, wcs=prior)
        solution = solve_plate(
            sources.x, sources.y, sources.flux, units, stars.mag, prior, frame.pixels.shape,
            usable=~sharp & ~sources.saturated & (sources.flux > 0), roll_search=False,
            method="blind", min_stars=MIN_BLIND_STARS,
        )  # fmt: skip
        if solution is not None:
            return stars, units, solution
    return wide.select(np.zeros(len(wide), bool)), np.zeros((0, 3)), None


def _candidates(frame, sources, solution, star_units, sharp, zero_point, scale) -> Candidates:
    rows, cols = frame.pixels.shape
    keep = np.ones(len(sources), bool)
    keep[solution.source_index] = False
    keep &= ~sharp & (sources.snr >= MIN_CANDIDATE_SNR) & (sources.flux > 0)
    keep &= (sources.x > EDGE_PX) & (sources.x < cols - 1 - EDGE_PX)
    keep &= (sources.y > EDGE_PX) & (sources.y < rows - 1 - EDGE_PX)
    idx = np.flatnonzero(keep)
    sx, sy = pixels_from_units(solution.wcs, star_units)
    ok = np.isfinite(sx)
    if ok.any() and idx.size:
        d, _ = cKDTree(np.stack([sx[ok], sy[ok]], -1)).query(
            np.stack([sources.x[idx], sources.y[idx]], -1)
        )
        idx = idx[d > STAR_EXCLUSION_PX]
    x1, y1, x2, y2 = (e[idx] for e in sources.endpoints(frame.psf_sigma_px))
    apparent = units_from_pixels(solution.wcs, sources.x[idx], sources.y[idx])
    unit = deaberrate(apparent, frame.observer_velocity_km_s)
    plate_px = solution.rms_px / np.sqrt(max(solution.n_stars - 3, 1))
    inst = -2.5 * np.log10(sources.flux[idx] * frame.gain_e_per_adu / frame.exposure_s)
    return Candidates(
        x=sources.x[idx],
        y=sources.y[idx],
        x1=x1,
        y1=y1,
        x2=x2,
        y2=y2,
        sigma_px=np.hypot(sources.sigma_xy_px[idx], plate_px),
        snr=sources.snr[idx],
        magnitude=inst + zero_point,
        unit=unit.reshape(-1, 3),
    )
