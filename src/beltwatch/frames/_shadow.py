"""Earth's shadow: the fraction of the solar disc a point sees past the Earth.

One model for every user: SRP in the numerical propagator, eclipse decisions in
the visibility model, RSO brightness in frame simulation.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from beltwatch.constants import EARTH_RADIUS_WGS84_KM, SUN_RADIUS_IAU2015_KM


class ShadowModel(StrEnum):
    """Earth shadow models: a cone with penumbra, a cylinder of the Earth's radius, none."""

    CONICAL = "conical"
    CYLINDRICAL = "cylindrical"
    NONE = "none"


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("...k,...k->...", v, v))


def _disc_overlap_fraction(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Visible fraction of a disc of angular radius a behind one of radius b, centres c apart.

    Flat-circle overlap (Montenbruck & Gill, Satellite Orbits, 3.4.2).
    """
    out = np.ones_like(c)
    umbra = c <= b - a
    annular = c <= a - b
    partial = ~umbra & ~annular & (c < a + b)
    out[umbra] = 0.0
    out[annular] = 1.0 - (b[annular] / a[annular]) ** 2
    if np.any(partial):
        ap, bp, cp = a[partial], b[partial], c[partial]
        x = (cp * cp + ap * ap - bp * bp) / (2.0 * cp)
        y = np.sqrt(np.maximum(ap * ap - x * x, 0.0))
        overlap = (
            ap * ap * np.arccos(np.clip(x / ap, -1.0, 1.0))
            + bp * bp * np.arccos(np.clip((cp - x) / bp, -1.0, 1.0))
            - cp * y
        )
        out[partial] = 1.0 - overlap / (np.pi * ap * ap)
    return np.clip(out, 0.0, 1.0)


def sunlit_fraction(
    target_km: np.ndarray,
    sun_km: np.ndarray,
    model: ShadowModel | str = ShadowModel.CONICAL,
    radius_km: float = EARTH_RADIUS_WGS84_KM,
) -> np.ndarray:
    """Fraction of the solar disc visible from geocentric ``target_km`` (1 sunlit, 0 umbra).

    ``target_km`` and ``sun_km`` (geocentric, same axes) broadcast over leading axes.
    ``conical``: penumbra and umbra from the apparent discs of Sun and Earth;
    ``cylindrical``: 0 inside the Earth-radius cylinder on the anti-Sun side, else 1;
    ``none``: always 1.
    """
    target = np.asarray(target_km, dtype=float)
    sun = np.asarray(sun_km, dtype=float)
    shape = np.broadcast_shapes(target.shape, sun.shape)
    r = np.broadcast_to(target, shape).reshape(-1, 3)
    s = np.broadcast_to(sun, shape).reshape(-1, 3)
    out = np.ones(r.shape[0])
    if model == "none":
        return out.reshape(shape[:-1])
    s_hat = s / _norm(s)[:, None]
    along = np.einsum("ij,ij->i", r, s_hat)
    across2 = np.einsum("ij,ij->i", r, r) - along * along
    if model == "cylindrical":
        out[(along < 0.0) & (across2 < radius_km**2)] = 0.0
        return out.reshape(shape[:-1])
    # Only points behind the Earth near the shadow axis can miss part of the Sun.
    rn = _norm(r)
    near = (along < 0.0) & (across2 < (1.02 * radius_km + 0.01 * rn) ** 2)
    if np.any(near):
        rr, to_sun = r[near], s[near] - r[near]
        dn = _norm(to_sun)
        a = np.arcsin(np.minimum(SUN_RADIUS_IAU2015_KM / dn, 1.0))
        b = np.arcsin(np.minimum(radius_km / rn[near], 1.0))
        cos_c = np.einsum("ij,ij->i", -rr, to_sun) / (rn[near] * dn)
        out[near] = _disc_overlap_fraction(a, b, np.arccos(np.clip(cos_c, -1.0, 1.0)))
    return out.reshape(shape[:-1])
