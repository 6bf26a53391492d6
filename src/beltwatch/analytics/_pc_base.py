"""The protocol every collision-probability method follows, and its inputs and result."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
from astropy.time import Time

from beltwatch.analytics._encounter import EncounterPlane, encounter_plane
from beltwatch.constants import GM_EARTH_EGM2008_KM3_S2


def orbital_period_s(position_km: np.ndarray, velocity_km_s: np.ndarray) -> float:
    """Two-body period of a state (s); infinity for an unbound one."""
    r, v = np.asarray(position_km, float), np.asarray(velocity_km_s, float)
    energy = 0.5 * v @ v - GM_EARTH_EGM2008_KM3_S2 / np.linalg.norm(r)
    if energy >= 0:
        return float("inf")
    a = -GM_EARTH_EGM2008_KM3_S2 / (2 * energy)
    return float(2 * np.pi * np.sqrt(a**3 / GM_EARTH_EGM2008_KM3_S2))


@dataclass(frozen=True, eq=False)
class PcInputs:
    """Two states at TCA (inertial axes, km and km/s, shape (6,)), their 6x6 covariances
    (km, km/s; None where unknown) and the combined hard-body radius (km)."""

    tca: Time
    state1: np.ndarray
    state2: np.ndarray
    covariance1: np.ndarray | None
    covariance2: np.ndarray | None
    hbr_km: float

    @property
    def has_covariance(self) -> bool:
        return self.covariance1 is not None or self.covariance2 is not None

    def covariances(self) -> tuple[np.ndarray, np.ndarray]:
        """Both 6x6 covariances, an unknown one as zeros (the other then carries it all)."""
        zero = np.zeros((6, 6))
        c1 = zero if self.covariance1 is None else np.asarray(self.covariance1, float)
        c2 = zero if self.covariance2 is None else np.asarray(self.covariance2, float)
        return c1, c2

    @property
    def miss_distance_km(self) -> float:
        return float(np.linalg.norm(self.state1[:3] - self.state2[:3]))

    @property
    def relative_speed_km_s(self) -> float:
        return float(np.linalg.norm(self.state1[3:] - self.state2[3:]))

    @cached_property
    def plane(self) -> EncounterPlane:
        """The encounter plane (CARA convention, remediated covariance)."""
        c1, c2 = self.covariances()
        return encounter_plane(
            self.state1[:3], self.state1[3:], c1, self.state2[:3], self.state2[3:], c2, self.hbr_km
        )


@dataclass(frozen=True)
class PcEstimate:
    """One method's Pc; ``ci95`` and ``samples`` for sampling methods; ``flags`` say why
    a figure is missing or qualified."""

    method: str
    pc: float | None
    ci95: tuple[float, float] | None = None
    samples: int | None = None
    flags: tuple[str, ...] = ()


class PcMethod(Protocol):
    """A collision-probability method: a name and ``estimate(inputs) -> PcEstimate``."""

    @property
    def name(self) -> str: ...

    def estimate(self, inputs: PcInputs) -> PcEstimate: ...
