"""Ephemeris: states of many objects at many times, one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time

from beltwatch.frames import transform_states


@dataclass(frozen=True, eq=False)
class Ephemeris:
    """Positions (km) and velocities (km/s) of shape (n_objects, n_times, 3) in ``frame``.

    ``error_code`` (n_objects, n_times): 0 where the state is valid; otherwise the
    propagator's code and NaN states.
    """

    norad_id: np.ndarray
    times: Time
    frame: str
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    error_code: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return self.error_code == 0

    def to_frame(self, frame: str) -> Ephemeris:
        r, v = transform_states(self.position_km, self.velocity_km_s, self.times, self.frame, frame)
        return Ephemeris(self.norad_id, self.times, frame, r, v, self.error_code)
