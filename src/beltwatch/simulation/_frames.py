"""Frame simulation: a sensor on an observer points at the sky; stars and RSOs are rendered.

Geometry (docs/conventions.md): star directions are Hipparcos positions moved by
proper motion and parallax to the observer, then aberrated by the observer's
barycentric velocity (Earth's, from ERFA ``epv00``, plus the observer's GCRS
velocity). RSO directions are the exchange-convention directions (light-time
corrected, GCRS) aberrated by the observer's GCRS velocity. Both are then
projected by the true camera WCS (TAN + radial distortion) at each instant of the
exposure. The header WCS is the attitude-knowledge prior (the true pointing plus
a seeded attitude error); the truth sidecar holds the true WCS and every source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

from beltwatch.catalog import Catalog
from beltwatch.constants import ARCSEC_RAD, EARTH_ROTATION_RATE_RAD_S, SECONDS_PER_DAY
from beltwatch.frames import (
    aberrate,
    light_time_direction,
    radec_from_unit_vector,
    sun_position_gcrs_km,
    unit_vector_from_radec,
)
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import (
    Observer,
    OpticalSensor,
    camera_wcs,
    earth_occulted,
    is_observer,
    pixels_from_units,
    rotation_about_z,
)
from beltwatch.simulation._photometry import (
    electron_rate,
    rso_magnitude,
    sky_electrons_per_pixel_s,
)
from beltwatch.simulation._render import (
    FWHM_TO_SIGMA,
    add_noise_and_defects,
    add_streaks,
    snr,
    to_adu,
)
from beltwatch.stars import StarCatalog, apparent_star_directions, hipparcos
from beltwatch.timescales import format_utc

DEFAULT_ALBEDO = 0.2
# Lines of sight passing within this height of the surface are blocked (atmosphere).
EARTH_GRAZE_HEIGHT_KM = 100.0


class Tracking(StrEnum):
    """How the mount moves during a sequence: with the stars, or at a target's rate."""

    SIDEREAL = "sidereal"
    RATE = "rate"


@dataclass(frozen=True)
class FrameSettings:
    """Simulation settings (every default a documented assumption).

    ``tracking``: ``sidereal`` (stars are points, RSOs streak) or ``rate`` (the
    camera turns about the celestial pole at Earth's rate during the exposure:
    GEO objects are near-points, stars streak). Between frames the boresight
    always follows the belt at Earth's rate (step-stare). ``distortion_k_per_px2``:
    radial distortion of the optics. ``attitude_sigma_rad``/``roll_sigma_rad``:
    attitude knowledge error of the header WCS prior.
    """

    tracking: Tracking = Tracking.SIDEREAL
    distortion_k_per_px2: float = 2e-10
    attitude_sigma_rad: float = 30.0 * ARCSEC_RAD
    roll_sigma_rad: float = 60.0 * ARCSEC_RAD
    star_mag_limit: float = 12.5
    bias_adu: float = 200.0
    hot_pixel_fraction: float = 2e-5
    hot_pixel_e_per_s: float = 500.0
    cosmic_rays_per_frame: int = 5
    seed: int = 1


@dataclass(frozen=True, eq=False)
class SimulatedFrame:
    """One frame: pixels (ADU, uint16), FITS header (prior WCS + metadata), truth record."""

    frame_id: str
    pixels: np.ndarray
    header: fits.Header
    truth: dict = field(repr=False)


def apparent_rso_directions(
    target_r_km: np.ndarray,
    target_v_km_s: np.ndarray,
    observer_r_km: np.ndarray,
    observer_v_km_s: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(apparent unit vectors, exchange-convention unit vectors, range km) of RSOs (GCRS)."""
    geometric, range_km, _ = light_time_direction(target_r_km, target_v_km_s, observer_r_km)
    return aberrate(geometric, observer_v_km_s), geometric, range_km


def _subtimes(t_mid: Time, exposure_s: float) -> Time:
    """Start, mid and end of each exposure, shape (n_frames * 3,)."""
    offsets = np.array([-0.5, 0.0, 0.5]) * exposure_s / SECONDS_PER_DAY
    jd1 = np.repeat(t_mid.utc.jd1, 3)
    jd2 = (t_mid.utc.jd2[:, None] + offsets[None, :]).ravel()
    return Time(jd1, jd2, format="jd", scale="utc")


def _mid_times(sensor: OpticalSensor, first_mid_time: Time, n_frames: int) -> Time:
    offsets_s = np.arange(n_frames) * (sensor.exposure_s + sensor.readout_s)
    return Time(
        np.full(n_frames, first_mid_time.utc.jd1),
        first_mid_time.utc.jd2 + offsets_s / SECONDS_PER_DAY,
        format="jd",
        scale="utc",
    )


def exposure_times(sensor: OpticalSensor, first_mid_time: Time, n_frames: int) -> Time:
    """Start, middle and end of each exposure of a sequence (frame-major, shape
    (n_frames * 3,)): the instants at which :func:`iter_sequence` needs target states."""
    return _subtimes(_mid_times(sensor, first_mid_time, n_frames), sensor.exposure_s)


def iter_sequence(
    sensor: OpticalSensor,
    observer: Observer,
    catalog: Catalog,
    first_mid_time: Time,
    n_frames: int,
    boresight_ra_rad: float,
    boresight_dec_rad: float,
    roll_rad: float = 0.0,
    settings: FrameSettings | None = None,
    stars: StarCatalog | None = None,
    target_states: np.ndarray | None = None,
) -> Iterator[SimulatedFrame]:
    """Simulate ``n_frames`` consecutive frames (cadence = exposure + readout), one at a
    time (memory stays that of one frame).

    ``boresight_*``: apparent pointing of the first frame (GCRS axes); later frames
    follow the belt (boresight turned about the pole at Earth's rate). The observer
    itself, when it is in ``catalog``, is not rendered. The RSOs are where SGP4 puts
    ``catalog``'s element sets, unless ``target_states`` gives their truth: GCRS states
    (len(catalog), n_frames * 3, 6) (km, km/s) at :func:`exposure_times`.
    """
    keep = ~is_observer(catalog.norad_id, observer)
    catalog = catalog[keep]
    settings = settings or FrameSettings()
    stars = stars if stars is not None else hipparcos()
    offsets_s = np.arange(n_frames) * (sensor.exposure_s + sensor.readout_s)
    t_mid = _mid_times(sensor, first_mid_time, n_frames)
    sub = _subtimes(t_mid, sensor.exposure_s)
    obs_r, obs_v = observer.states_gcrs(sub)
    obs_r, obs_v = obs_r.reshape(n_frames, 3, 3), obs_v.reshape(n_frames, 3, 3)
    if target_states is None:
        eph = Sgp4Propagator(workers=1).propagate(catalog, sub, "gcrs")
        r_km, v_km_s = eph.position_km, eph.velocity_km_s
    else:
        states = np.asarray(target_states, dtype=float)[keep]
        if states.shape != (len(catalog), n_frames * 3, 6):
            raise ValueError(
                f"target_states has shape {states.shape}; expected "
                f"({len(catalog)}, {n_frames * 3}, 6) (targets x exposure_times x state)"
            )
        r_km, v_km_s = states[..., :3], states[..., 3:]
    tgt_r = r_km.reshape(len(catalog), n_frames, 3, 3)
    tgt_v = v_km_s.reshape(len(catalog), n_frames, 3, 3)
    sun = sun_position_gcrs_km(t_mid)
    radius, albedo = rso_sizes(catalog)
    rng = np.random.default_rng(settings.seed)
    hot = _hot_pixels(sensor, settings)
    scale_rad = sensor.pixel_scale_arcsec * ARCSEC_RAD
    boresight0 = unit_vector_from_radec(boresight_ra_rad, boresight_dec_rad)
    field_radius = scale_rad * np.hypot(sensor.detector_cols, sensor.detector_rows) / 2.0
    bright = stars.select(stars.mag <= settings.star_mag_limit)
    field_stars = bright.in_cone(
        boresight0, field_radius + EARTH_ROTATION_RATE_RAD_S * offsets_s[-1]
    )
    scene = _Scene(sensor, settings, rng, hot, catalog.norad_id, radius, albedo, field_stars)
    for k in range(n_frames):
        boresight = rotation_about_z(EARTH_ROTATION_RATE_RAD_S * offsets_s[k]) @ boresight0
        ra_b, dec_b = radec_from_unit_vector(boresight)
        wcs_true = camera_wcs(
            sensor.detector_cols,
            sensor.detector_rows,
            scale_rad,
            float(ra_b),
            float(dec_b),
            roll_rad,
            settings.distortion_k_per_px2,
        )
        epoch = _FrameGeometry(
            k, wcs_true, t_mid[k], obs_r[k], obs_v[k], tgt_r[:, k], tgt_v[:, k], sun[k]
        )
        yield _render_frame(scene, epoch)


def simulate_sequence(
    sensor: OpticalSensor,
    observer: Observer,
    catalog: Catalog,
    first_mid_time: Time,
    n_frames: int,
    boresight_ra_rad: float,
    boresight_dec_rad: float,
    roll_rad: float = 0.0,
    settings: FrameSettings | None = None,
    stars: StarCatalog | None = None,
    target_states: np.ndarray | None = None,
) -> list[SimulatedFrame]:
    """All frames of :func:`iter_sequence` as a list."""
    return list(
        iter_sequence(
            sensor, observer, catalog, first_mid_time, n_frames, boresight_ra_rad,
            boresight_dec_rad, roll_rad, settings, stars, target_states,
        )
    )  # fmt: skip


def rso_sizes(catalog: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """Radius (m) and albedo; where the catalog has none, a radius drawn log-uniformly in
    0.3-3 m seeded by the object number (the same object always gets the same size)."""
    drawn = np.array(
        [
            np.random.default_rng([int(n), 11]).uniform(np.log(0.3), np.log(3.0))
            for n in catalog.norad_id
        ]
    )
    radius = np.where(np.isfinite(catalog.radius_m), catalog.radius_m, np.exp(drawn))
    albedo = np.where(np.isfinite(catalog.albedo), catalog.albedo, DEFAULT_ALBEDO)
    return radius, albedo


def _hot_pixels(sensor: OpticalSensor, settings: FrameSettings):
    """Fixed hot-pixel pattern of this detector (seeded by the settings, the same every frame)."""
    rng = np.random.default_rng([settings.seed, 7])
    n = int(settings.hot_pixel_fraction * sensor.detector_cols * sensor.detector_rows)
    rows = rng.integers(0, sensor.detector_rows, n)
    cols = rng.integers(0, sensor.detector_cols, n)
    rate = settings.hot_pixel_e_per_s * rng.uniform(0.2, 5.0, n)
    return rows, cols, rate


def _positions(wcs: WCS, units: np.ndarray, angles_rad: np.ndarray):
    """Pixel (x, y) of unit vectors (n, 3, 3: source, start/mid/end) for a camera turned
    about the pole by ``angles_rad`` (3,) at start/mid/end."""
    turned = np.stack([units[:, j] @ rotation_about_z(-angles_rad[j]).T for j in range(3)], axis=1)
    return pixels_from_units(wcs, turned)


@dataclass(frozen=True, eq=False)
class _Scene:
    """What stays the same over a sequence: the camera, settings, noise state, the
    defects, the RSOs' ids and sizes, the stars near the field."""

    sensor: OpticalSensor
    settings: FrameSettings
    rng: np.random.Generator
    hot: tuple[np.ndarray, np.ndarray, np.ndarray]
    norad_id: np.ndarray
    radius_m: np.ndarray
    albedo: np.ndarray
    stars: StarCatalog


@dataclass(frozen=True, eq=False)
class _FrameGeometry:
    """One frame: its index, true WCS, mid time, and GCRS states at the start, middle and
    end of the exposure (observer (3, 3), targets (n, 3, 3)), the Sun at mid-exposure."""

    index: int
    wcs_true: WCS
    t_mid: Time
    observer_r: np.ndarray
    observer_v: np.ndarray
    target_r: np.ndarray
    target_v: np.ndarray
    sun: np.ndarray


@dataclass(frozen=True, eq=False)
class _Sources:
    """Pixel tracks (start, middle, end of the exposure) and fluxes (electrons)."""

    star_x: np.ndarray
    star_y: np.ndarray
    star_flux_e: np.ndarray
    rso_x: np.ndarray
    rso_y: np.ndarray
    rso_flux_e: np.ndarray
    rso_mag: np.ndarray
    rso_phase_rad: np.ndarray
    rso_geometric: np.ndarray
    rso_range_km: np.ndarray


def _sources(scene: _Scene, g: _FrameGeometry) -> _Sources:
    sensor, t = scene.sensor, scene.sensor.exposure_s
    half = 0.5 * t * EARTH_ROTATION_RATE_RAD_S
    turn = np.array([-half, 0.0, half]) if scene.settings.tracking == "rate" else np.zeros(3)
    star_units = np.stack(
        [apparent_star_directions(scene.stars, g.t_mid, g.observer_r[j], g.observer_v[j])
         for j in (0, 1, 2)], 1,
    )  # fmt: skip
    sx, sy = _positions(g.wcs_true, star_units, turn)
    apparent, geometric, range_km = apparent_rso_directions(
        g.target_r, g.target_v, g.observer_r, g.observer_v
    )
    rx, ry = _positions(g.wcs_true, apparent, turn)
    mag, phase = rso_magnitude(
        scene.radius_m, scene.albedo, g.target_r[:, 1], g.observer_r[1], g.sun
    )
    blocked = earth_occulted(g.observer_r[1], g.target_r[:, 1], EARTH_GRAZE_HEIGHT_KM)
    rso_flux = np.where(np.isfinite(mag) & ~blocked, electron_rate(mag, sensor) * t, 0.0)
    star_flux = electron_rate(scene.stars.mag, sensor) * t
    return _Sources(sx, sy, star_flux, rx, ry, rso_flux, mag, phase, geometric, range_km)


def _render_frame(scene: _Scene, g: _FrameGeometry) -> SimulatedFrame:
    sensor, settings, rng = scene.sensor, scene.settings, scene.rng
    t = sensor.exposure_s
    sigma = sensor.psf_fwhm_arcsec / sensor.pixel_scale_arcsec * FWHM_TO_SIGMA
    src = _sources(scene, g)
    sky_e = sky_electrons_per_pixel_s(sensor) * t
    dark_e = sensor.dark_current_e_per_s * t
    image = np.full((sensor.detector_rows, sensor.detector_cols), sky_e + dark_e)
    sx, sy, rx, ry = src.star_x, src.star_y, src.rso_x, src.rso_y
    add_streaks(image, sx[:, 0], sy[:, 0], sx[:, 2], sy[:, 2], src.star_flux_e, sigma)
    ok = np.isfinite(rx).all(axis=1) & (src.rso_flux_e > 0)
    add_streaks(image, rx[ok, 0], ry[ok, 0], rx[ok, 2], ry[ok, 2], src.rso_flux_e[ok], sigma)
    hot_e = (scene.hot[0], scene.hot[1], scene.hot[2] * t)
    noisy = add_noise_and_defects(
        image, rng, sensor.read_noise_e, hot_e, rng.poisson(settings.cosmic_rays_per_frame)
    )
    pixels = to_adu(noisy, sensor.gain_e_per_adu, settings.bias_adu, sensor.full_well_e)
    stamp = _utc(g.t_mid).replace("-", "").replace(":", "").rstrip("Z")
    frame_id = f"{sensor.sensor_id}-{g.index:04d}-{stamp}"
    length = np.hypot(rx[:, 2] - rx[:, 0], ry[:, 2] - ry[:, 0])
    rso_snr = snr(src.rso_flux_e, length, sigma, sky_e + dark_e, sensor.read_noise_e)
    prior = _prior_wcs(g.wcs_true, rng, settings)
    header = _header(
        sensor, settings, prior, frame_id, g.t_mid, g.observer_r[1], g.observer_v[1], sigma
    )
    truth = _truth(scene, g, src, ok, rso_snr, frame_id)
    return SimulatedFrame(frame_id, pixels, header, truth)


def _truth(
    scene: _Scene, g: _FrameGeometry, src: _Sources, ok: np.ndarray, rso_snr: np.ndarray,
    frame_id: str,
) -> dict:  # fmt: skip
    """The truth sidecar: true WCS, every star and RSO inside the frame at mid-exposure."""
    cols, rows = scene.sensor.detector_cols, scene.sensor.detector_rows

    def inside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (x > -0.5) & (x < cols - 0.5) & (y > -0.5) & (y < rows - 0.5)

    sx, sy, rx, ry = src.star_x, src.star_y, src.rso_x, src.rso_y
    star_in = inside(sx[:, 1], sy[:, 1])
    rso_in = ok & inside(np.nan_to_num(rx[:, 1], nan=-1e9), np.nan_to_num(ry[:, 1], nan=-1e9))
    ra, dec = radec_from_unit_vector(src.rso_geometric[:, 1])

    def track(x: np.ndarray, y: np.ndarray, i: int | np.integer) -> dict:
        return {
            "x": float(x[i, 1]), "y": float(y[i, 1]), "x_start": float(x[i, 0]),
            "y_start": float(y[i, 0]), "x_end": float(x[i, 2]), "y_end": float(y[i, 2]),
        }  # fmt: skip

    return {
        "frame_id": frame_id,
        "time_mid_utc": _utc(g.t_mid),
        "true_wcs": g.wcs_true.to_header_string(relax=True),
        "rows": rows,
        "cols": cols,
        "stars": [
            {
                "hip": int(scene.stars.hip[i]),
                **track(sx, sy, i),
                "mag": float(scene.stars.mag[i]),
                "flux_e": float(src.star_flux_e[i]),
            }
            for i in np.flatnonzero(star_in)
        ],
        "rsos": [
            {
                "norad_id": int(scene.norad_id[i]),
                **track(rx, ry, i),
                "mag": float(src.rso_mag[i]),
                "flux_e": float(src.rso_flux_e[i]),
                "snr": float(rso_snr[i]),
                "ra_deg": float(np.degrees(ra[i])),
                "dec_deg": float(np.degrees(dec[i])),
                "range_km": float(src.rso_range_km[i, 1]),
                "solar_phase_deg": float(np.degrees(src.rso_phase_rad[i])),
            }
            for i in np.flatnonzero(rso_in)
        ],
    }


def _utc(t: Time) -> str:
    t1 = Time([t.utc.jd1], [t.utc.jd2], format="jd", scale="utc") if t.isscalar else t
    return format_utc(t1)[0]


def _prior_wcs(wcs_true: WCS, rng: np.random.Generator, settings: FrameSettings) -> WCS:
    """The attitude-knowledge WCS: the true one shifted and rolled by a seeded error."""
    prior = wcs_true.deepcopy()
    dra, ddec = rng.normal(0.0, settings.attitude_sigma_rad, 2)
    dec0 = np.radians(prior.wcs.crval[1])
    prior.wcs.crval = prior.wcs.crval + np.degrees([dra / np.cos(dec0), ddec])
    droll = rng.normal(0.0, settings.roll_sigma_rad)
    c, s = np.cos(droll), np.sin(droll)
    prior.wcs.cd = prior.wcs.cd @ np.array([[c, -s], [s, c]])
    prior.wcs.set()
    return prior


def _header(sensor, settings, prior, frame_id, t_mid, r, v, sigma_px) -> fits.Header:
    h = prior.to_header(relax=True)
    t = Time(t_mid.utc.jd1, t_mid.utc.jd2, format="jd", scale="utc")
    start = Time(t.jd1, t.jd2 - sensor.exposure_s / 2.0 / SECONDS_PER_DAY, format="jd", scale="utc")
    h["DATE-OBS"] = (start.utc.isot, "exposure start, UTC")
    h["DATE-AVG"] = (t.utc.isot, "exposure mid-time, UTC")
    h["EXPTIME"] = (sensor.exposure_s, "[s] exposure time")
    h["INSTRUME"] = (sensor.sensor_id, "sensor id")
    h["FRAMEID"] = (frame_id, "frame id")
    h["TRACKING"] = (settings.tracking.upper(), "SIDEREAL or RATE (turns at Earth's rate)")
    h["GAIN"] = (sensor.gain_e_per_adu, "[e/ADU]")
    h["RDNOISE"] = (sensor.read_noise_e, "[e] read noise")
    h["BIASLVL"] = (settings.bias_adu, "[ADU] bias level")
    h["SATURATE"] = (
        min(65535.0, sensor.full_well_e / sensor.gain_e_per_adu + settings.bias_adu),
        "[ADU] saturation level",
    )
    h["PSFSIGMA"] = (sigma_px, "[px] nominal PSF Gaussian sigma")
    for axis, value in zip("XYZ", r, strict=True):
        h[f"OBSGCR{axis}"] = (float(value), f"[km] observer GCRS {axis.lower()}")
    for axis, value in zip("XYZ", v, strict=True):
        h[f"OBSGCV{axis}"] = (float(value), f"[km/s] observer GCRS v{axis.lower()}")
    h["WCSAPPAR"] = (True, "WCS gives apparent directions (aberrated)")
    return h


def densest_field(
    sensor: OpticalSensor, observer: Observer, catalog: Catalog, time: Time
) -> tuple[float, float]:
    """Apparent (RA, Dec) rad of a boresight that holds the most visible catalog objects
    (unblocked by Earth) in a square field of the sensor at ``time``."""
    t = Time([time.utc.jd1], [time.utc.jd2], format="jd", scale="utc") if time.isscalar else time
    catalog = catalog[~is_observer(catalog.norad_id, observer)]
    obs_r, obs_v = observer.states_gcrs(t)
    eph = Sgp4Propagator(workers=1).propagate(catalog, t, "gcrs")
    r, v = eph.position_km[:, 0], eph.velocity_km_s[:, 0]
    blocked = earth_occulted(obs_r[0], np.nan_to_num(r), EARTH_GRAZE_HEIGHT_KM)
    good = np.isfinite(r).all(axis=1) & ~blocked
    good &= np.linalg.norm(np.nan_to_num(r) - obs_r[0], axis=1) > 1000.0
    apparent, _, _ = apparent_rso_directions(r[good], v[good], obs_r[0], obs_v[0])
    half = (
        0.4
        * sensor.pixel_scale_arcsec
        * ARCSEC_RAD
        * min(sensor.detector_cols, sensor.detector_rows)
    )
    counts = (apparent @ apparent.T >= np.cos(half)).sum(axis=1)
    ra, dec = radec_from_unit_vector(apparent[int(np.argmax(counts))])
    return float(ra), float(dec)
