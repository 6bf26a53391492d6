"""Reference frames and the transforms between them.

Frames: ``teme`` (SGP4 output), ``gcrs`` (geocentric, ICRS-aligned axes),
``itrs`` (Earth-fixed). All transforms go through one graph
(:func:`transform_states`); each edge is a rotation per time, vectorised over
objects and times. Models: IAU 2006/2000A precession-nutation, GMST 1982 for
TEME (as Vallado et al. 2006), polar motion and UT1-UTC from the bundled IERS
tables.
"""

from beltwatch.frames._bases import (
    eme2000_to_gcrs,
    gnomonic_project,
    rtn_basis,
    tangent_plane_basis,
)
from beltwatch.frames._bodies import moon_position_gcrs_km, sun_position_gcrs_km
from beltwatch.frames._directions import (
    aberrate,
    deaberrate,
    light_time_direction,
    radec_from_unit_vector,
    unit_vector_from_radec,
)
from beltwatch.frames._shadow import (
    ShadowModel,
    sunlit_fraction,
)
from beltwatch.frames._transforms import FRAMES, Frame, rotation_matrices, transform_states

__all__ = [
    "FRAMES",
    "Frame",
    "ShadowModel",
    "aberrate",
    "deaberrate",
    "eme2000_to_gcrs",
    "gnomonic_project",
    "light_time_direction",
    "moon_position_gcrs_km",
    "radec_from_unit_vector",
    "rotation_matrices",
    "rtn_basis",
    "sun_position_gcrs_km",
    "sunlit_fraction",
    "tangent_plane_basis",
    "transform_states",
    "unit_vector_from_radec",
]
