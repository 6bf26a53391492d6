"""SGP4/SDP4 for whole catalogs through sgp4's vectorised SatrecArray, on the free cores.

``SatrecArray.sgp4`` holds the GIL, so threads do not help; large jobs are split
by object across forked processes that write straight into shared memory. How many:
no more than the cores this process may run on (``os.sched_getaffinity``), minus
those other work keeps busy (the 1-minute load average, less this process's own
share), and one per :data:`WORK_PER_WORKER` object-epochs: on a shared machine, a
fork per core for a small job costs more than it saves.
"""

from __future__ import annotations

import itertools
import mmap
import os
import signal
from dataclasses import dataclass
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
# Object-epochs per worker process: a fork costs ~10-30 ms, SGP4 runs ~1e6 per second.
WORK_PER_WORKER = 200_000

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
    return SatrecArray(build_satrecs(elements))


def build_satrecs(elements: ElementArrays) -> list[Satrec]:
    """One initialised Satrec per row of the element arrays."""
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
    return satrecs


class Sgp4Rows:
    """SGP4 initialised once for each row of a catalog, evaluated row by row at any times
    (for histories and refinements, where a catalog x times grid would be wasted)."""

    def __init__(self, catalog: Catalog) -> None:
        self._satrecs = build_satrecs(element_arrays(catalog))

    def __len__(self) -> int:
        return len(self._satrecs)

    def teme(
        self, rows: np.ndarray, jd: np.ndarray, fr: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row ``rows[i]`` at Julian dates ``jd[i] + fr[i]`` (UTC, shape (k,) or (k, p)):
        TEME (error (k, p) uint8, r (k, p, 3) km, v (k, p, 3) km/s)."""
        rows = np.asarray(rows).ravel()
        if rows.size == 0:
            return np.zeros((0, 0), np.uint8), np.zeros((0, 0, 3)), np.zeros((0, 0, 3))
        jd = np.asarray(jd, float).reshape(rows.size, -1)
        fr = np.asarray(fr, float).reshape(rows.size, -1)
        error = np.zeros(jd.shape, dtype=np.uint8)
        r = np.empty((*jd.shape, 3))
        v = np.empty((*jd.shape, 3))
        for i, row in enumerate(rows):
            error[i], r[i], v[i] = self._satrecs[int(row)].sgp4_array(jd[i], fr[i])
        return error, r, v


def propagate_rows_teme(catalog: Catalog, times: Time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row of ``catalog`` at its own times (``times`` of shape (n,) or (n, k)): TEME
    (error (n, k) uint8, r (n, k, 3) km, v (n, k, 3) km/s)."""
    jd, fr = jd_pair(times, "utc")
    return Sgp4Rows(catalog).teme(np.arange(len(catalog)), jd, fr)


def _shared_array(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A numpy array in an anonymous shared mapping: writes by forked children are seen here."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = mmap.mmap(-1, max(size, 1), flags=mmap.MAP_SHARED)
    return np.frombuffer(buffer, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """Usable cores not kept busy by other processes (1-minute load average), at least 1."""
    cores = usable_cores()
    try:
        others = max(os.getloadavg()[0] - 1.0, 0.0)  # this process counts one
    except OSError:
        others = 0.0
    return max(1, min(cores, round(cores - others)))


def choose_workers(object_epochs: int, requested: int | None = None) -> int:
    """Worker processes for a job: ``requested`` if given, else from its size and idle cores."""
    if requested is not None:
        return max(1, int(requested))
    if object_epochs < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(idle_cores(), object_epochs // WORK_PER_WORKER))


@dataclass(frozen=True)
class Sgp4Propagator:
    """Propagates catalogs with SGP4 on ``workers`` processes (None: chosen per job by
    :func:`choose_workers` from its size and the idle cores).

    Large jobs are split by object: forked children write their rows straight
    into shared output arrays while this process computes the first block.
    """

    workers: int | None = None

    def workers_for(self, object_epochs: int) -> int:
        """Processes a job of ``object_epochs`` would use now."""
        return choose_workers(object_epochs, self.workers)

    def propagate_teme(
        self, catalog: Catalog, times: Time
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(error (n, m) uint8, r (n, m, 3) km, v (n, m, 3) km/s) in TEME."""
        jd, fr = jd_pair(times, "utc")
        elements = element_arrays(catalog)
        n, m = len(catalog), jd.size
        workers = self.workers_for(n * m)
        if workers <= 1 or n * m < PARALLEL_THRESHOLD or n < 2 * workers:
            return build_satrec_array(elements).sgp4(jd, fr)
        error = _shared_array((n, m), np.uint8)
        r = _shared_array((n, m, 3), np.float64)
        v = _shared_array((n, m, 3), np.float64)

        def run_block(lo: int, hi: int, child: bool = False) -> None:
            if child:  # the parent handles Ctrl-C/SIGTERM; a worker just stops
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
            block = {key: values[lo:hi] for key, values in elements.items()}
            # The low-level call fills the given (contiguous) row blocks in place: no copy.
            build_satrec_array(block)._sgp4(jd, fr, error[lo:hi], r[lo:hi], v[lo:hi])

        bounds = np.linspace(0, n, workers + 1).astype(int)
        context = get_context("fork")
        children = [
            context.Process(target=run_block, args=(int(lo), int(hi), True), daemon=True)
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
    return Sgp4Propagator(workers=workers).propagate(catalog, times, frame)
