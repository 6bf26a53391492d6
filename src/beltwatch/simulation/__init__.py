"""Simulated truth for tests, benchmarks and the main job's simulated days.

* Frames: :func:`simulate_sequence` renders consecutive frames of an
  :class:`~beltwatch.sensors.OpticalSensor` on an observer (real Hipparcos stars,
  RSOs, PSF, noise, defects); :func:`write_frame` writes each as FITS with a truth
  sidecar. RA/Dec geometry follows docs/conventions.md (shared with ``processing``).
* Survey: :func:`simulate_survey` gives measurement-level tracklets of a GEO survey
  from one or more hosts, with truth propagated numerically (independent of SGP4);
  with a :class:`DetectionModel` it applies the frame path's detection statistics
  (:func:`expected_snr` of each target in the host's camera).

Real-data paths (``processing``, ``association``, ``orbit_determination``) never
import this package.
"""

from beltwatch.simulation._detection import (
    DetectionModel,
    check_astrometry,
    check_detection,
    expected_snr,
)
from beltwatch.simulation._fits import TRUTH_SUFFIX, frame_bytes, read_truth, write_frame
from beltwatch.simulation._frames import (
    FrameSettings,
    SimulatedFrame,
    Tracking,
    apparent_rso_directions,
    densest_field,
    exposure_times,
    iter_sequence,
    rso_sizes,
    simulate_sequence,
)
from beltwatch.simulation._photometry import (
    electron_rate,
    rso_magnitude,
    sky_electrons_per_pixel_s,
)
from beltwatch.simulation._survey import simulate_survey

__all__ = [
    "TRUTH_SUFFIX",
    "DetectionModel",
    "FrameSettings",
    "SimulatedFrame",
    "Tracking",
    "apparent_rso_directions",
    "check_astrometry",
    "check_detection",
    "densest_field",
    "electron_rate",
    "expected_snr",
    "exposure_times",
    "frame_bytes",
    "iter_sequence",
    "read_truth",
    "rso_magnitude",
    "rso_sizes",
    "simulate_sequence",
    "simulate_survey",
    "sky_electrons_per_pixel_s",
    "write_frame",
]
