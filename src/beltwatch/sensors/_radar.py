"""The radar instrument: a deep-space tracking radar (range limit, measurement noise,
dwell per track) and its scenario table ``[sensors.radar]``.

A radar points at one target per dwell (no field of view) and its detection is
set by range, not brightness (no radar-equation SNR is modelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from beltwatch.constants import DEG_RAD
from beltwatch.sensors._instrument import InstrumentKind, register_instrument


@dataclass(frozen=True)
class RadarParameters:
    """A deep-space tracking radar: range limit (km), 1-sigma range (km) and angle (rad)
    noise, dwell per track (s)."""

    max_range_km: float
    range_sigma_km: float
    angle_sigma_rad: float
    dwell_s: float = 10.0

    @property
    def field_of_view_rad(self) -> None:
        return None

    @property
    def photometric(self) -> bool:
        return False

    def detection_snr(self, magnitude: np.ndarray, angular_rate_rad_s: np.ndarray) -> np.ndarray:
        return np.full(np.shape(magnitude), np.inf)

    def pointing_dwell_s(self, frames_per_field: int) -> float:
        return self.dwell_s


Positive = Annotated[float, Field(gt=0)]


class RadarConfig(BaseModel):
    """The ``[sensors.radar]`` table of a radar (units in the key names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_range_km: Positive
    range_sigma_km: Positive
    angle_sigma_deg: Positive
    dwell_s: Positive = 10.0


def _build_radar(sensor_id: str, config: BaseModel) -> RadarParameters:
    assert isinstance(config, RadarConfig)  # the registry validated the table with RadarConfig
    return RadarParameters(
        config.max_range_km, config.range_sigma_km, config.angle_sigma_deg * DEG_RAD, config.dwell_s
    )


RADAR = register_instrument(InstrumentKind("radar", "radar", RadarConfig, _build_radar))
