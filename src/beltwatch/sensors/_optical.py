"""Optical sensor model parameters (every number a documented, configurable assumption)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARCSEC_PER_RAD = 180.0 / np.pi * 3600.0


@dataclass(frozen=True)
class OpticalSensor:
    """A CCD/CMOS camera behind a telescope. Lengths in m unless named otherwise."""

    sensor_id: str
    aperture_m: float
    focal_length_m: float
    pixel_pitch_um: float
    detector_cols: int
    detector_rows: int
    quantum_efficiency: float
    read_noise_e: float
    dark_current_e_per_s: float
    exposure_s: float
    readout_s: float
    psf_fwhm_arcsec: float
    full_well_e: float = 100_000.0
    gain_e_per_adu: float = 1.0
    optical_throughput: float = 0.7
    sky_background_mag_per_arcsec2: float = 21.5
    # Photon flux of a magnitude-0 source over the (broad, unfiltered) band, photons/s/m^2.
    zero_point_photons_per_s_m2: float = 5.6e10

    @property
    def pixel_scale_arcsec(self) -> float:
        return self.pixel_pitch_um * 1e-6 / self.focal_length_m * ARCSEC_PER_RAD

    @property
    def fov_deg(self) -> tuple[float, float]:
        """Field of view (cols, rows) in degrees."""
        scale_deg = self.pixel_scale_arcsec / 3600.0
        return self.detector_cols * scale_deg, self.detector_rows * scale_deg
