"""The optical instrument: a camera behind a telescope, its CCD equation and its scenario
table ``[sensors.camera]`` (every number a documented, configurable assumption)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from beltwatch.constants import ARCSEC_RAD, DEG_RAD
from beltwatch.sensors._instrument import InstrumentKind, register_instrument


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
    # Photon flux of a magnitude-0 source over the passband, photons/s/m^2: a V-like filter
    # (Johnson V alone gives ~8.8e9). Frame simulation uses the same value, so simulated
    # SNRs are the ones the coverage model predicts.
    zero_point_photons_per_s_m2: float = 1.0e10

    @property
    def pixel_scale_arcsec(self) -> float:
        return self.pixel_pitch_um * 1e-6 / self.focal_length_m / ARCSEC_RAD

    @property
    def fov_deg(self) -> tuple[float, float]:
        """Field of view (cols, rows) in degrees."""
        scale_deg = self.pixel_scale_arcsec * ARCSEC_RAD / DEG_RAD
        return self.detector_cols * scale_deg, self.detector_rows * scale_deg

    # --- the Instrument contract ------------------------------------------------

    @property
    def field_of_view_rad(self) -> tuple[float, float]:
        """Field of view (cols, rows) in radians."""
        width_deg, height_deg = self.fov_deg
        return width_deg * DEG_RAD, height_deg * DEG_RAD

    @property
    def photometric(self) -> bool:
        return True

    @property
    def max_range_km(self) -> float | None:
        return None

    def detection_snr(self, magnitude: np.ndarray, angular_rate_rad_s: np.ndarray) -> np.ndarray:
        """SNR of one exposure of a source moving at ``angular_rate_rad_s`` across the sky."""
        return self.snr(magnitude, self.streak_px(angular_rate_rad_s))

    def pointing_dwell_s(self, frames_per_field: int) -> float:
        """Frames x (exposure + readout)."""
        return frames_per_field * (self.exposure_s + self.readout_s)

    # --- the CCD equation (Howell, "Handbook of CCD Astronomy", ch. 4) -------

    @property
    def collecting_area_m2(self) -> float:
        """Clear aperture area, m^2 (obscuration is folded into ``optical_throughput``)."""
        return np.pi * (self.aperture_m / 2.0) ** 2

    @property
    def psf_fwhm_px(self) -> float:
        return self.psf_fwhm_arcsec / self.pixel_scale_arcsec

    @property
    def aperture_radius_px(self) -> float:
        """Photometric aperture radius: one PSF FWHM (at least one pixel)."""
        return max(self.psf_fwhm_px, 1.0)

    @property
    def enclosed_fraction(self) -> float:
        """Fraction of a Gaussian PSF inside the aperture radius: 1 - 2^(-4 (r/FWHM)^2)."""
        return 1.0 - 2.0 ** (-4.0 * (self.aperture_radius_px / self.psf_fwhm_px) ** 2)

    def electron_rate_e_per_s(self, magnitude: np.ndarray | float) -> np.ndarray:
        """Photo-electrons per second from a source of ``magnitude`` (all of its light)."""
        flux = self.zero_point_photons_per_s_m2 * 10.0 ** (-0.4 * np.asarray(magnitude, float))
        return flux * self.collecting_area_m2 * self.optical_throughput * self.quantum_efficiency

    @property
    def sky_e_per_pixel_per_s(self) -> float:
        """Sky (zodiacal/stray light) electrons per pixel per second."""
        per_arcsec2 = self.electron_rate_e_per_s(self.sky_background_mag_per_arcsec2)
        return float(per_arcsec2) * self.pixel_scale_arcsec**2

    def aperture_pixels(self, streak_px: np.ndarray | float = 0.0) -> np.ndarray:
        """Pixels in the measuring aperture: a disc of radius r, stretched by the streak length."""
        r = self.aperture_radius_px
        return np.pi * r**2 + 2.0 * r * np.asarray(streak_px, dtype=float)

    def noise_per_pixel_e2(self) -> float:
        """Variance per pixel per exposure from sky, dark current and read noise, e^2."""
        t = self.exposure_s
        return self.sky_e_per_pixel_per_s * t + self.dark_current_e_per_s * t + self.read_noise_e**2

    def snr(self, magnitude: np.ndarray | float, streak_px: np.ndarray | float = 0.0) -> np.ndarray:
        """SNR of one exposure: N / sqrt(N + n_pix (S t + D t + R^2)), point or streaked source."""
        signal = self.electron_rate_e_per_s(magnitude) * self.exposure_s * self.enclosed_fraction
        noise2 = signal + self.aperture_pixels(streak_px) * self.noise_per_pixel_e2()
        return signal / np.sqrt(noise2)

    def limiting_magnitude(
        self, snr: float = 6.0, streak_px: np.ndarray | float = 0.0
    ) -> np.ndarray:
        """Magnitude at which one exposure reaches ``snr`` (solving the CCD equation for N)."""
        background = self.aperture_pixels(streak_px) * self.noise_per_pixel_e2()
        k2 = snr**2
        signal = 0.5 * (k2 + np.sqrt(k2**2 + 4.0 * k2 * background))
        rate = signal / (self.exposure_s * self.enclosed_fraction)
        return -2.5 * np.log10(rate / float(self.electron_rate_e_per_s(0.0)))

    def streak_px(self, angular_rate_rad_s: np.ndarray | float) -> np.ndarray:
        """Streak length in pixels over one exposure for an angular rate across the sky."""
        rate_arcsec_s = np.asarray(angular_rate_rad_s, dtype=float) / ARCSEC_RAD
        return rate_arcsec_s * self.exposure_s / self.pixel_scale_arcsec


Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class CameraConfig(BaseModel):
    """The ``[sensors.camera]`` table of an optical sensor (units in the key names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aperture_m: Positive
    focal_length_m: Positive
    pixel_pitch_um: Positive
    detector_cols: Annotated[int, Field(gt=0)]
    detector_rows: Annotated[int, Field(gt=0)]
    quantum_efficiency: Annotated[float, Field(gt=0, le=1)]
    read_noise_e: NonNegative
    dark_current_e_per_s: NonNegative
    exposure_s: Positive
    readout_s: NonNegative
    psf_fwhm_arcsec: Positive
    full_well_e: Positive = 100_000.0
    gain_e_per_adu: Positive = 1.0
    optical_throughput: Annotated[float, Field(gt=0, le=1)] = 0.7
    sky_background_mag_per_arcsec2: float = 21.5
    zero_point_photons_per_s_m2: Positive = 1.0e10

    @model_validator(mode="after")
    def _fov(self) -> CameraConfig:
        scale_deg = self.pixel_pitch_um * 1e-6 / self.focal_length_m / DEG_RAD
        fov = max(self.detector_cols, self.detector_rows) * scale_deg
        if not math.isfinite(fov) or fov > 180.0:
            raise ValueError(
                f"field of view {fov:.0f} deg exceeds 180 deg (from focal_length_m, "
                "pixel_pitch_um, detector_cols/rows)"
            )
        return self


def _build_camera(sensor_id: str, config: BaseModel) -> OpticalSensor:
    return OpticalSensor(sensor_id=sensor_id, **config.model_dump())


OPTICAL = register_instrument(InstrumentKind("optical", "camera", CameraConfig, _build_camera))
