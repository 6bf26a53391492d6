"""Image processing: frames -> astrometric observations in the exchange convention.

:func:`process_frames` reads FITS frames (:func:`read_frame`), reduces each
(:func:`reduce_frame`: ``sep`` background and extraction, plate solution against
Hipparcos 2 with a TAN-SIP fit, photometric zero point, RSO candidates), links
candidates into tracklets (:func:`link_tracklets`) and returns
:class:`~beltwatch.values.Observation` records plus per-frame failures.
"""

from beltwatch.processing._batch import (
    FrameFailure,
    ProcessingResult,
    frame_paths,
    process_frames,
)
from beltwatch.processing._extract import DETECTION_SIGMA, MIN_AREA_PX, Sources, extract
from beltwatch.processing._platesolve import PlateSolution, fit_tan_sip, solve_plate
from beltwatch.processing._read import FrameData, read_frame
from beltwatch.processing._reduce import (
    Candidates,
    FrameReduction,
    ReductionError,
    reduce_frame,
)
from beltwatch.processing._tracklets import Tracklet, link_tracklets

__all__ = [
    "DETECTION_SIGMA",
    "MIN_AREA_PX",
    "Candidates",
    "FrameData",
    "FrameFailure",
    "FrameReduction",
    "PlateSolution",
    "ProcessingResult",
    "ReductionError",
    "Sources",
    "Tracklet",
    "extract",
    "fit_tan_sip",
    "frame_paths",
    "link_tracklets",
    "process_frames",
    "read_frame",
    "reduce_frame",
    "solve_plate",
]
