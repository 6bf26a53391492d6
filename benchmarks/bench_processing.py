"""Frame reduction speed: whole reduction vs ``sep`` extraction alone on the same frame.

One 4096 x 4096 frame of the default QZS-6 camera (detector enlarged) staring at
the densest belt field of the synthetic GEO population. Baseline: sep background
+ extraction alone on the same pixels, in the same run. Latency: FITS file on
disk -> reduced frame with RSO candidates in the exchange convention.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace

import numpy as np
import sep

from beltwatch.catalog import synthetic_geo_population
from beltwatch.imaging import densest_field, hipparcos, simulate_sequence, write_frame
from beltwatch.processing import read_frame, reduce_frame
from beltwatch.sensors import default_scenario


def _best(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


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
        data = read_frame(path)

        def sep_only():
            pixels = np.ascontiguousarray(data.pixels, dtype=np.float32)
            background = sep.Background(pixels, bw=64, bh=64, fw=3, fh=3)
            background.subfrom(pixels)
            sep.extract(pixels, 1.5, err=background.globalrms, minarea=5, deblend_cont=0.005)

        def whole():
            reduce_frame(read_frame(path), catalog)

        whole()  # warm-up (catalog cone, WCS setup)
        t_sep = _best(sep_only)
        t_whole = _best(whole)
        reduction = reduce_frame(read_frame(path), catalog)
    mpx = size * size / 1e6
    return {
        "frame_px": f"{size}x{size}",
        "stars_matched": reduction.solution.n_stars,
        "rso_candidates": len(reduction.candidates),
        "sep_extraction_s_per_mpx": round(t_sep / mpx, 4),
        "whole_reduction_s_per_mpx": round(t_whole / mpx, 4),
        "ratio_whole_over_sep": round(t_whole / t_sep, 3),
        "latency_file_to_candidates_s": round(t_whole, 3),
    }
