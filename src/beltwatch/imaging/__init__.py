"""Image frames: simulation (real stars from Hipparcos 2, RSOs, PSF, noise) and FITS I/O.

:func:`simulate_sequence` renders consecutive frames of an :class:`OpticalSensor`
on an observer; :func:`write_frame` writes each as FITS with a truth sidecar.
The RA/Dec geometry follows docs/conventions.md (shared with ``processing``).
"""

from beltwatch.imaging._camera import camera_wcs, pixels_from_units, units_from_pixels
from beltwatch.imaging._fits import TRUTH_SUFFIX, frame_bytes, read_truth, write_frame
from beltwatch.imaging._photometry import electron_rate, rso_magnitude, sky_electrons_per_pixel_s
from beltwatch.imaging._simulate import (
    FrameSettings,
    Observer,
    SimulatedFrame,
    apparent_rso_directions,
    apparent_star_directions,
    densest_field,
    earth_barycentric_velocity_km_s,
    simulate_sequence,
)
from beltwatch.imaging._stars import StarCatalog, hipparcos

__all__ = [
    "TRUTH_SUFFIX",
    "FrameSettings",
    "Observer",
    "SimulatedFrame",
    "StarCatalog",
    "apparent_rso_directions",
    "apparent_star_directions",
    "camera_wcs",
    "densest_field",
    "earth_barycentric_velocity_km_s",
    "electron_rate",
    "frame_bytes",
    "hipparcos",
    "pixels_from_units",
    "read_truth",
    "rso_magnitude",
    "simulate_sequence",
    "sky_electrons_per_pixel_s",
    "units_from_pixels",
    "write_frame",
]
