"""A seeded synthetic GEO population: the embedded default catalog, no files or network needed.

Populations (counts are parameters): station-kept satellites in longitude slots
clustered where real GEO operators are, objects drifting through the belt,
retired satellites whose inclination has grown (up to ~15 deg, node following
the classical precession cycle), and debris fragments. Each object has a
radius (m) and geometric albedo for photometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import erfa
import numpy as np
from astropy.time import Time

from beltwatch.catalog._catalog import Catalog
from beltwatch.constants import DEG_RAD, GMST1982_TURNS_PER_UT1_DAY
from beltwatch.timescales import as_time, jd_pair

FIRST_SYNTHETIC_ID = 800_001
# Longitude clusters (deg east) and weights: Americas, Atlantic/Europe, Middle East, Asia-Pacific.
_SLOT_CLUSTERS_DEG = np.array([-100.0, -60.0, -20.0, 15.0, 50.0, 90.0, 125.0, 155.0])
_SLOT_WEIGHTS = np.array([0.18, 0.08, 0.12, 0.18, 0.12, 0.12, 0.12, 0.08])


@dataclass(frozen=True)
class PopulationCounts:
    station_kept: int = 340
    drifting: int = 80
    inclined: int = 110
    debris: int = 70


def _mean_anomaly_for_longitude(lon_rad, raan, argp, gmst):
    """Mean anomaly that puts a near-circular, near-equatorial orbit at mean longitude ``lon``."""
    return np.mod(lon_rad + gmst - raan - argp, 2 * np.pi)


def synthetic_geo_population(
    seed: int = 2025,
    epoch: Time | str = "2026-06-01T00:00:00Z",
    counts: PopulationCounts | None = None,
) -> Catalog:
    """Generate the synthetic GEO catalog (TEME mean elements, SGP4 conventions)."""
    counts = counts or PopulationCounts()
    rng = np.random.default_rng(seed)
    t0 = as_time(epoch, field="epoch")
    ut1 = jd_pair(t0, "utc")
    gmst = float(erfa.gmst82(ut1[0], ut1[1])[0])
    deg = DEG_RAD

    kinds, n_rev, ecc, inc, raan, argp, lon = [], [], [], [], [], [], []

    def add(kind: str, size: int, mean_motion, e, i, node, longitude):
        kinds.extend([kind] * size)
        n_rev.append(mean_motion)
        ecc.append(e)
        inc.append(i)
        raan.append(node)
        argp.append(rng.uniform(0, 2 * np.pi, size))
        lon.append(longitude)

    n = counts.station_kept
    cluster = rng.choice(len(_SLOT_CLUSTERS_DEG), size=n, p=_SLOT_WEIGHTS)
    slot = _SLOT_CLUSTERS_DEG[cluster] + rng.normal(0.0, 12.0, n)
    add(
        "station-kept",
        n,
        GMST1982_TURNS_PER_UT1_DAY + rng.normal(0, 2e-6, n),
        rng.uniform(1e-5, 5e-4, n),
        rng.uniform(0.0, 0.08, n) * deg,
        rng.uniform(0, 2 * np.pi, n),
        slot * deg,
    )

    n = counts.drifting
    drift_deg_per_day = rng.choice([-1, 1], n) * rng.uniform(0.3, 6.0, n)
    add(
        "drifting",
        n,
        GMST1982_TURNS_PER_UT1_DAY - drift_deg_per_day / 360.0,
        rng.uniform(1e-4, 5e-3, n),
        rng.uniform(0.0, 2.0, n) * deg,
        rng.uniform(0, 2 * np.pi, n),
        rng.uniform(-180, 180, n) * deg,
    )

    n = counts.inclined
    # Retired satellites: inclination grows 0 -> 15 deg over ~27 years while the node
    # regresses from ~90 deg towards 0 (the classical GEO inclination cycle).
    age_fraction = rng.uniform(0.05, 1.0, n)
    libration = rng.choice([75.0, 255.0], n) + rng.normal(0, 10, n)
    add(
        "inclined",
        n,
        GMST1982_TURNS_PER_UT1_DAY + rng.normal(0, 1.5e-3, n),
        rng.uniform(1e-4, 3e-3, n),
        15.0 * np.sin(np.pi / 2 * age_fraction) * deg,
        (90.0 - 90.0 * age_fraction + rng.normal(0, 5, n)) * deg,
        libration * deg,
    )

    n = counts.debris
    add(
        "debris",
        n,
        GMST1982_TURNS_PER_UT1_DAY + rng.normal(0, 8e-3, n),
        rng.uniform(1e-3, 2e-2, n),
        rng.uniform(0.0, 14.0, n) * deg,
        rng.uniform(0, 2 * np.pi, n),
        rng.uniform(-180, 180, n) * deg,
    )

    kind = np.array(kinds, dtype=object)
    total = kind.size
    raan_all, argp_all = np.concatenate(raan), np.concatenate(argp)
    mean_anomaly = _mean_anomaly_for_longitude(np.concatenate(lon), raan_all, argp_all, gmst)
    radius = np.where(kind == "debris", rng.uniform(0.1, 1.0, total), rng.uniform(1.5, 4.5, total))
    albedo = np.where(kind == "debris", rng.uniform(0.05, 0.2, total), rng.uniform(0.1, 0.3, total))
    ids = FIRST_SYNTHETIC_ID + np.arange(total)
    prefix = {
        "station-kept": "SYN-GEO",
        "drifting": "SYN-DRIFT",
        "inclined": "SYN-INCL",
        "debris": "SYN-DEB",
    }
    names = np.array(
        [f"{prefix[k]} {i - FIRST_SYNTHETIC_ID + 1:04d}" for k, i in zip(kind, ids, strict=True)],
        dtype=object,
    )
    return Catalog.from_columns(
        norad_id=ids,
        name=names,
        intl_designator=np.array([f"2026-{9000 + i:04d}" for i in range(total)], dtype=object),
        epoch=Time(
            np.full(total, t0.utc.jd1), np.full(total, t0.utc.jd2), format="jd", scale="utc"
        ),
        mean_motion_rev_per_day=np.concatenate(n_rev),
        eccentricity=np.concatenate(ecc),
        inclination_rad=np.concatenate(inc),
        raan_rad=np.mod(raan_all, 2 * np.pi),
        arg_perigee_rad=argp_all,
        mean_anomaly_rad=mean_anomaly,
        radius_m=radius,
        albedo=albedo,
    )
