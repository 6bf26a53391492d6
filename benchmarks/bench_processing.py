"""Frame reduction speed: whole reduction vs ``sep`` extraction alone on the same frame.

One 4096 x 4096 frame of the default QZS-6 camera (detector enlarged) staring at
the densest belt field of the synthetic GEO population. Baseline: ``sep``
background + extraction alone (the same settings as the reduction) on the frame's
float32 pixels already in memory, in the same run. Whole reduction: FITS file on
disk -> reduced frame with plate solution and RSO candidates in the exchange
convention (it includes reading and converting the file; the baseline does not).
Both are repeated interleaved and the best of each is kept; CPU seconds are given
too, since wall time on a shared 2-core machine is noisy.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace

import numpy as np
import sep

from beltwatch.catalog import synthetic_geo_population
from beltwatch.processing import DETECTION_SIGMA, MIN_AREA_PX, read_frame, reduce_frame
from beltwatch.sensors import default_scenario
from beltwatch.simulation import densest_field, simulate_sequence, write_frame
from beltwatch.stars import hipparcos

REPEATS = 7


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(size: int = 4096) -> dict:
    scenario = default_scenario()
    sensor = scenario.sensors["qzs6-wfc"]
    camera = replace(sensor.camera, detector_cols=size, detector_rows=size)
    rsos = synthetic_geo_population(epoch=scenario.start)
    ra, dec = densest_field(camera, sensor.platform, rsos, scenario.start)
    frame = simulate_sequence(camera, sensor.platform, rsos, scenario.start, 1, ra, dec)[0]
    catalog = hipparcos()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_frame(tmp, frame)
        pixels = read_frame(path).pixels.copy()

        def sep_only():
            data = work  # a fresh copy per repeat, made outside the timing
            background = sep.Background(data, bw=64, bh=64, fw=3, fh=3)
            background.subfrom(data)
            sep.extract(
                data, DETECTION_SIGMA, err=background.globalrms, minarea=MIN_AREA_PX,
                deblend_cont=0.005,
            )  # fmt: skip

        def whole():
            reduce_frame(read_frame(path), catalog)

        whole()  # warm-up (catalog cone, WCS setup, page cache)
        t_sep, t_whole = [], []
        for _ in range(REPEATS):
            work = pixels.copy()
            t_sep.append(_timed(sep_only))
            t_whole.append(_timed(whole))
        reduction = reduce_frame(read_frame(path), catalog)
    mpx = size * size / 1e6
    sep_wall, sep_cpu = (min(t[i] for t in t_sep) for i in (0, 1))
    whole_wall, whole_cpu = (min(t[i] for t in t_whole) for i in (0, 1))
    return {
        "frame_px": f"{size}x{size}",
        "stars_matched": reduction.solution.n_stars,
        "rso_candidates": len(reduction.candidates),
        "sep_extraction_s_per_mpx": round(sep_wall / mpx, 4),
        "whole_reduction_s_per_mpx": round(whole_wall / mpx, 4),
        "ratio_whole_over_sep": round(whole_wall / sep_wall, 3),
        "ratio_whole_over_sep_cpu": round(whole_cpu / sep_cpu, 3),
        "latency_file_to_candidates_s": round(whole_wall, 3),
        "latency_median_s": round(float(np.median([t[0] for t in t_whole])), 3),
    }
