"""A sensor: a platform, an instrument (camera or radar), a mount and its observing constraints.

Angles are radians and lengths km inside; the scenario file gives degrees, named so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from beltwatch.sensors._instrument import Instrument
from beltwatch.sensors._optical import OpticalSensor
from beltwatch.sensors._platforms import Observer
from beltwatch.sensors._radar import RadarParameters


@dataclass(frozen=True)
class Constraints:
    """Observing constraints (radians, km). ``None`` switches a constraint off.

    Space-based: Sun, Moon and Earth-limb exclusion angles of the line of sight,
    Earth + atmosphere occultation (grazing height ``atmosphere_height_km``).
    Ground: elevation mask, Sun below ``max_sun_elevation_rad`` (optical night),
    maximum range (radar). ``require_sunlit``: the target must be outside the
    umbra (optical). ``snr_threshold``: detection SNR for the photometric limit.
    """

    sun_exclusion_rad: float | None = None
    moon_exclusion_rad: float | None = None
    earth_limb_exclusion_rad: float | None = None
    atmosphere_height_km: float = 100.0
    min_elevation_rad: float | None = None
    max_sun_elevation_rad: float | None = None
    max_range_km: float | None = None
    require_sunlit: bool = True
    snr_threshold: float | None = 6.0


class MountKind(StrEnum):
    """``gimbal``: points anywhere in its field of regard; ``fixed``: one boresight."""

    GIMBAL = "gimbal"
    FIXED = "fixed"


@dataclass(frozen=True)
class Mount:
    """How the instrument points.

    ``gimbal``: anywhere within ``field_of_regard_rad`` of the reference axis
    (nadir for a host, zenith for a ground site), slewing at ``slew_rate_rad_s``
    then settling for ``settle_s``. ``fixed``: the boresight stays at
    ``boresight_off_axis_rad`` from the reference axis, azimuth ``boresight_azimuth_rad``
    (host: from the velocity direction toward orbit normal; ground: from north through east).
    """

    kind: MountKind = MountKind.GIMBAL
    field_of_regard_rad: float = 1.5358897417550099  # 88 degrees
    slew_rate_rad_s: float = 0.03490658503988659  # 2 deg/s
    settle_s: float = 3.0
    boresight_off_axis_rad: float = 0.0
    boresight_azimuth_rad: float = 0.0


@dataclass(frozen=True, eq=False)
class Sensor:
    """One sensor of a scenario: an instrument of a registered ``kind`` on a platform.

    Generic code uses :attr:`instrument` (the :class:`Instrument` contract) and
    :attr:`is_ground`; :attr:`camera` / :attr:`radar` give the concrete instrument
    where a task needs one (frame simulation needs a camera).
    """

    sensor_id: str
    kind: str
    platform: Observer
    mount: Mount
    constraints: Constraints
    instrument: Instrument
    frames_per_field: int = 3
    extinction_mag_per_airmass: float = 0.0

    @property
    def is_ground(self) -> bool:
        """Whether the platform stands on the Earth's surface (a site) rather than in orbit."""
        return bool(getattr(self.platform, "on_surface", False))

    @property
    def camera(self) -> OpticalSensor | None:
        return self.instrument if isinstance(self.instrument, OpticalSensor) else None

    @property
    def radar(self) -> RadarParameters | None:
        return self.instrument if isinstance(self.instrument, RadarParameters) else None

    def pointing_dwell_s(self) -> float:
        """Time on one pointing (frames x exposure+readout, or the radar dwell)."""
        return self.instrument.pointing_dwell_s(self.frames_per_field)
