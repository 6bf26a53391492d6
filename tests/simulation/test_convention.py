"""The exchange convention, GEO to GEO: light time and aberration matter; the loop closes."""

from __future__ import annotations

import erfa
import numpy as np
import pytest
from astropy.time import Time

from beltwatch.constants import SPEED_OF_LIGHT_KM_S
from beltwatch.frames import (
    aberrate,
    deaberrate,
    light_time_direction,
)
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import HostPlatform
from beltwatch.simulation import apparent_rso_directions

# Noise level: 0.1 px of the default QZS-6 camera (15 um / 0.45 m = 6.9 arcsec/px).
NOISE_RAD = 0.1 * 15e-6 / 0.45


def test_aberration_matches_erfa_and_inverts():
    rng = np.random.default_rng(3)
    u = rng.normal(size=(50, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.array([29.8, -3.1, 1.2])
    beta = v / SPEED_OF_LIGHT_KM_S
    reference = erfa.ab(u, beta, 1e9, np.sqrt(1.0 - beta @ beta))  # far from the Sun: no deflection
    assert np.abs(aberrate(u, v) - reference).max() < 1e-12
    assert np.abs(deaberrate(aberrate(u, v), v) - u).max() < 1e-15


@pytest.mark.shared_data
def test_geo_to_geo_light_time_and_aberration_exceed_noise(geo_catalog):
    t = Time("2026-05-28T06:00:00", scale="utc")
    host = HostPlatform.from_catalog("QZS-6", geo_catalog, 62876)
    r_o, v_o = host.states_gcrs(Time([t]))
    eph = Sgp4Propagator(workers=1).propagate(geo_catalog, Time([t]), "gcrs")
    r, v = eph.position_km[:, 0], eph.velocity_km_s[:, 0]
    far = np.linalg.norm(r - r_o[0], axis=1) > 5000.0
    r, v = r[far], v[far]
    apparent, exchange, _ = apparent_rso_directions(r, v, r_o[0], v_o[0])
    no_light_time = (r - r_o[0]) / np.linalg.norm(r - r_o[0], axis=1, keepdims=True)
    star_like = aberrate(exchange, v_o[0] + np.array([29.8, 0.0, 0.0]))

    def angle(a, b):
        return np.arccos(np.clip(np.sum(a * b, axis=1), -1.0, 1.0))

    # Mishandling moves GEO-to-GEO directions by more than the noise for most objects.
    assert np.median(angle(no_light_time, exchange)) > NOISE_RAD
    assert np.median(angle(apparent, exchange)) > NOISE_RAD
    assert np.median(angle(star_like, apparent)) > 10 * NOISE_RAD
    # The documented reduction (remove the observer's GCRS-velocity aberration) closes the loop.
    assert np.linalg.norm(deaberrate(apparent, v_o[0]) - exchange, axis=1).max() < 1e-12
    # and the light-time solution satisfies its own definition
    _, rng_km, tau = light_time_direction(r, v, r_o[0])
    assert np.allclose(rng_km / SPEED_OF_LIGHT_KM_S, tau, rtol=1e-12)
