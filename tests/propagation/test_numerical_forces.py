"""Force models against independent formulations: potentials, partials, shadow geometry."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time
from numpy.polynomial import legendre

from beltwatch.constants import (
    EARTH_RADIUS_EGM2008_KM,
    EARTH_RADIUS_WGS84_KM,
    GM_EARTH_EGM2008_KM3_S2,
    SUN_RADIUS_IAU2015_KM,
)
from beltwatch.frames import (
    moon_position_gcrs_km,
    sun_position_gcrs_km,
)
from beltwatch.frames import sunlit_fraction as shadow_fraction
from beltwatch.propagation import (
    EGM2008_J,
    Environment,
    ForceModel,
    PointMassEarth,
    SolarRadiationPressure,
    ThirdBody,
    ZonalHarmonics,
)

EPOCH = Time("2026-07-10T00:00:00", scale="utc")
ENV = Environment(EPOCH, 0.0, 86400.0)
RNG = np.random.default_rng(7)
POSITIONS = RNG.normal(size=(12, 3)) * np.r_[[42164.0] * 6 + [8000.0] * 6][:, None] / np.sqrt(3)


def zonal_potential(r, pole):
    """-mu/r sum J_n (R/r)^n P_n(z/r) with numpy's Legendre series (complex-safe)."""
    rn = np.sqrt(np.sum(r * r, axis=-1))
    s = (r @ pole) / rn
    total = sum(
        jn * (EARTH_RADIUS_EGM2008_KM / rn) ** n * legendre.legval(s, [0] * n + [1])
        for n, jn in EGM2008_J.items()
    )
    return -GM_EARTH_EGM2008_KM3_S2 / rn * total


def complex_step_jacobian(f, x, h=1e-20):
    """d f / d x for f: (n, 3) -> (n, k), column j by a complex step in x_j."""
    return np.stack([f(x + 1j * h * np.eye(3)[j]).imag / h for j in range(3)], axis=-1)


def test_zonal_acceleration_is_the_gradient_of_the_legendre_potential():
    pole = ENV.pole(3600.0)
    ours = ZonalHarmonics().acceleration(3600.0, POSITIONS, None, ENV)
    ref = complex_step_jacobian(lambda r: zonal_potential(r, pole)[:, None], POSITIONS)[:, 0]
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15 * np.abs(ref).max())


@pytest.mark.parametrize(
    "force",
    [PointMassEarth(), ZonalHarmonics(), ThirdBody("sun"), ThirdBody("moon")],
    ids=["earth", "zonal", "sun", "moon"],
)
def test_partials_match_complex_step_derivatives(force):
    ours, dv = force.partials(100.0, POSITIONS, None, ENV)
    assert dv is None
    ref = complex_step_jacobian(lambda r: force.acceleration(100.0, r, None, ENV), POSITIONS)
    scale = np.abs(ref).max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-11 * scale.max())
    assert np.all(np.abs(ours - ref) <= 1e-11 * scale)


def test_srp_partials_match_finite_differences_and_magnitude():
    force = SolarRadiationPressure(area_to_mass_m2_kg=0.02, cr=1.3, shadow="none")
    acc = force.acceleration(0.0, POSITIONS[:6], None, ENV)
    expected_m_s2 = 1361.0 / 299_792_458.0 * 1.3 * 0.02  # ~1 AU from the Sun
    np.testing.assert_allclose(np.linalg.norm(acc, axis=1) * 1000, expected_m_s2, rtol=0.04)
    sun = ENV.sun_km(0.0)
    cos_angle = np.sum(acc * (POSITIONS[:6] - sun), 1) / np.linalg.norm(acc, axis=1)
    np.testing.assert_allclose(cos_angle / np.linalg.norm(POSITIONS[:6] - sun, axis=1), 1, 1e-12)
    ours, _ = force.partials(0.0, POSITIONS[:6], None, ENV)
    h = 1.0
    ref = np.stack(
        [
            (
                force.acceleration(0.0, POSITIONS[:6] + h * e, None, ENV)
                - force.acceleration(0.0, POSITIONS[:6] - h * e, None, ENV)
            )
            / (2 * h)
            for e in np.eye(3)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-24)


def test_interpolated_bodies_match_direct_evaluation():
    t = np.linspace(0.0, 86400.0, 37) + 123.4
    for body, direct in (("sun", sun_position_gcrs_km), ("moon", moon_position_gcrs_km)):
        exact = direct(Time(EPOCH.tt.jd1, EPOCH.tt.jd2 + t / 86400.0, format="jd", scale="tt"))
        table = np.array([getattr(ENV, f"{body}_km")(ti) for ti in t])
        assert np.linalg.norm(table - exact, axis=1).max() < 1e-3  # km


def test_conical_shadow_matches_sampling_of_the_solar_disc():
    sun = ENV.sun_km(0.0)
    s_hat = sun / np.linalg.norm(sun)
    side = np.cross(s_hat, [0.0, 0.0, 1.0])
    side /= np.linalg.norm(side)
    # GEO-distance points behind the Earth, from the umbra out through the penumbra.
    offsets = np.linspace(5800.0, 6800.0, 21)
    points = -42164.0 * s_hat + offsets[:, None] * side
    ours = shadow_fraction(points, sun, "conical")
    # Independent: sample the solar disc and count lines of sight that miss the Earth.
    u = np.cross(s_hat, side)
    grid = np.linspace(-1, 1, 201)
    gx, gy = np.meshgrid(grid, grid)
    inside = gx**2 + gy**2 <= 1
    disc = sun + SUN_RADIUS_IAU2015_KM * (gx[inside, None] * side + gy[inside, None] * u)
    sampled = []
    for p in points:
        d = disc - p
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        closest = -np.sum(p * d, axis=1)  # parameter of closest approach to the Earth centre
        miss = np.linalg.norm(p + closest[:, None] * d, axis=1)
        blocked = (closest > 0) & (miss < EARTH_RADIUS_WGS84_KM)
        sampled.append(1 - blocked.mean())
    np.testing.assert_allclose(ours, sampled, atol=0.01)
    assert ours[0] == 0.0 and ours[-1] == 1.0 and np.any((ours > 0.05) & (ours < 0.95))
    cylinder = shadow_fraction(points, sun, "cylindrical")
    np.testing.assert_array_equal(cylinder, np.where(offsets < EARTH_RADIUS_WGS84_KM, 0.0, 1.0))


def test_force_models_compose_by_addition():
    combined = PointMassEarth() + ZonalHarmonics() + ThirdBody("moon")
    assert isinstance(combined, ForceModel) and len(combined.forces) == 3
    total = combined.acceleration(0.0, POSITIONS, None, ENV)
    parts = sum(f.acceleration(0.0, POSITIONS, None, ENV) for f in combined.forces)
    np.testing.assert_array_equal(total, parts)
