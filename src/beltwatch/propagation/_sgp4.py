"""SGP4/SDP4 for whole catalogs through sgp4's vectorised SatrecArray, on all cores.

``SatrecArray.sgp4`` holds the GIL, so threads do not help; large jobs are split
by object across forked processes that write straight into shared memory.
"""

from __future__ import annotations

import itertools
import mmap
import os
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np
from astropy.time import Time
from sgp4.api import WGS72, Satrec, SatrecArray

from beltwatch.catalog import Catalog
from beltwatch.errors import PropagationError
from beltwatch.frames import transform_states
from beltwatch.propagation._ephemeris import Ephemeris
from beltwatch.timescales import jd_pair

SGP4_ERROR_MESSAGES = {
    0: "ok",
    1: "mean eccentricity out of range 0 <= e < 1",
    2: "mean motion below zero",
    3: "perturbed eccentricity out of range 0 <= e <= 1",
    4: "semi-latus rectum below zero",
    5: "epoch elements are sub-orbital",
    6: "satellite has decayed",
}
XPDOTP = 1440.0 / (2.0 * np.pi)  # rev/day per rad/min
SGP4_EPOCH_ZERO_JD = 2433281.5  # 1949 December 31 00:00 UT
# Below this many object-epochs a single process is faster than starting workers.
PARALLEL_THRESHOLD = 200_000

ElementArrays = dict[str, np.ndarray]


def element_arrays(catalog: Catalog) -> ElementArrays:
    """Plain arrays of the sgp4init arguments (picklable, cheap to send to workers)."""
    epoch = catalog.epoch.utc
    return {
        "epoch_jd1": np.asarray(epoch.jd1, dtype=float),
        "epoch_jd2": np.asarray(epoch.jd2, dtype=float),
        "bstar": catalog.bstar,
        "ndot": catalog.ndot_over_2 / (XPDOTP * 1440.0),
        "nddot": catalog.nddot_over_6 / (XPDOTP * 1440.0 * 1440.0),
        "ecco": catalog.eccentricity,
        "argpo": catalog.arg_perigee_rad,
        "inclo": catalog.inclination_rad,
        "mo": catalog.mean_anomaly_rad,
        "no_kozai": catalog.mean_motion_rev_per_day / XPDOTP,
        "nodeo": catalog.raan_rad,
    }


def build_satrec_array(elements: ElementArrays) -> SatrecArray:
    """SatrecArray (WGS-72, improved mode, as the verification vectors) from element arrays."""
    satrecs = []
    for i in range(len(elements["epoch_jd1"])):
        jd1, jd2 = float(elements["epoch_jd1"][i]), float(elements["epoch_jd2"][i])
        sat = Satrec()
        sat.sgp4init(
            WGS72,
            "i",
            0,
            # The epoch argument as twoline2rv forms it (one double Julian date, ~40 us
            # resolution): SGP4's deep-space terms depend on it at the mm level.
            (jd1 + jd2) - SGP4_EPOCH_ZERO_JD,
            float(elements["bstar"][i]),
            float(elements["ndot"][i]),
            float(elements["nddot"][i]),
            float(elements["ecco"][i]),
            float(elements["argpo"][i]),
            float(elements["inclo"][i]),
            float(elements["mo"][i]),
            float(elements["no_kozai"][i]),
            float(elements["nodeo"][i]),
        )
        # sgp4init rebuilds the epoch from one double (~0.5 us); keep the exact two-part
        # epoch so that time since epoch is exact (1 us is 9 mm at 9 km/s).
        sat.jdsatepoch, sat.jdsatepochF = jd1, jd2
        satrecs.append(sat)
    return SatrecArray(satrecs)


def _shared_array(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A numpy array in an anonymous shared mapping: writes by forked children are seen here."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = mmap.mmap(-1, max(size, 1), flags=mmap.MAP_SHARED)
    return np.frombuffer(buffer, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


@dataclass(frozen=True)
class Sgp4Propagator:
    """Propagates catalogs with SGP4 on ``workers`` cores (default: all).

    Large jobs are split by object: forked children write their rows straight
    into shared output arrays while this process computes the first block.
    """

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)

    def propagate_teme(
        self, catalog: Catalog, times: Time
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(error (n, m) uint8, r (n, m, 3) km, v (n, m, 3) km/s) in TEME."""
        jd, fr = jd_pair(times, "utc")
        elements = element_arrays(catalog)
        n, m = len(catalog), jd.size
        if self.workers <= 1 or n * m < PARALLEL_THRESHOLD or n < 2 * self.workers:
            return build_satrec_array(elements).sgp4(jd, fr)
        error = _shared_array((n, m), np.uint8)
        r = _shared_array((n, m, 3), np.float64)
        v = _shared_array((n, m, 3), np.float64)

        def run_block(lo: int, hi: int) -> None:
            block = {key: values[lo:hi] for key, values in elements.items()}
            # The low-level call fills the given (contiguous) row blocks in place: no copy.
            build_satrec_array(block)._sgp4(jd, fr, error[lo:hi], r[lo:hi], v[lo:hi])

        bounds = np.linspace(0, n, self.workers + 1).astype(int)
        context = get_context("fork")
        children = [
            context.Process(target=run_block, args=(int(lo), int(hi)), daemon=True)
            for lo, hi in itertools.pairwise(bounds[1:])
        ]
        for child in children:
            child.start()
        run_block(int(bounds[0]), int(bounds[1]))
        for child in children:
            child.join()
        failed = [c.exitcode for c in children if c.exitcode != 0]
        if failed:
            raise PropagationError(f"SGP4 worker processes failed with exit codes {failed}")
        return error, r, v

    def propagate(self, catalog: Catalog, times: Time, frame: str = "teme") -> Ephemeris:
        """States of every catalog row at every time, in ``frame`` (teme, gcrs, itrs)."""
        times = Time(
            np.atleast_1d(times.jd1), np.atleast_1d(times.jd2), format="jd", scale=times.scale
        )
        error, r, v = self.propagate_teme(catalog, times)
        bad = error != 0
        r[bad] = np.nan
        v[bad] = np.nan
        r, v = transform_states(r, v, times, "teme", frame)
        return Ephemeris(catalog.norad_id.copy(), times, frame, r, v, error)


def propagate_sgp4(
    catalog: Catalog, times: Time, frame: str = "teme", workers: int | None = None
) -> Ephemeris:
    """One-shot SGP4 propagation of a catalog (see :class:`Sgp4Propagator`)."""
    return Sgp4Propagator(workers=workers or os.cpu_count() or 1).propagate(catalog, times, frame)
