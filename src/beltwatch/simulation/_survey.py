"""A simulated GEO survey from a space-based host, with truth independent of SGP4.

Truth: the SGP4 GCRS state of every target at the survey start, then the numerical
propagator (two-body, J2..J4, Sun, Moon, cannonball SRP with a random area-to-mass ratio
per object), so SGP4 predictions carry realistic, growing error. Each host (e.g. QZS-6, QZS-7)
steps through ``n_sectors`` sectors of its orbital plane (angle of the line of sight from
the host's radial direction), one frame sequence of 3-5 frames ``frame_step_s`` apart every
``sequence_spacing_s``; every target in the sector, clear of the Earth (100 km grazing
height) and more than ``sun_exclusion_deg`` from the Sun at all frames, yields one tracklet.
Angles: exchange convention, Gaussian noise ``sigma_arcsec`` on the sky.

With a :class:`~beltwatch.simulation.DetectionModel` and the hosts' cameras, each
would-be observation is kept with the probability the model gives for its expected SNR
(target magnitude and streak in that camera), its noise grows as the SNR falls (the
model's floor replaces ``sigma_arcsec``), and a tracklet with fewer than
``min_frames`` detections is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.association import ObservationTable
from beltwatch.catalog import Catalog
from beltwatch.constants import ARCSEC_RAD
from beltwatch.frames import (
    light_time_direction,
    radec_from_unit_vector,
    rtn_basis,
    sun_position_gcrs_km,
)
from beltwatch.propagation import ForceModel, NumericalPropagator, Sgp4Propagator
from beltwatch.sensors import (
    Observer,
    OpticalSensor,
    angle_between,
    earth_occulted,
    is_observer,
)
from beltwatch.simulation._detection import DetectionModel, expected_snr
from beltwatch.simulation._frames import rso_sizes
from beltwatch.timescales import tai_seconds_since_j2000


def truth_states(
    targets: Catalog, t0: Time, offsets_s: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """(n, m, 6) GCRS truth states at t0 + offsets (numerical propagation from SGP4 at t0)."""
    eph = Sgp4Propagator(workers=1).propagate(targets, Time([t0]), "gcrs")
    x0 = np.concatenate([eph.position_km[:, 0], eph.velocity_km_s[:, 0]], axis=-1)
    amr = rng.uniform(0.005, 0.03, len(targets))
    prop = NumericalPropagator(
        ForceModel.geo_default(amr, 1.3, degree=4), rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9
    )
    states, _ = prop.propagate(t0, x0, t0 + TimeDelta(offsets_s, format="sec"))
    return states


def simulate_survey(
    targets: Catalog,
    host: Observer | Sequence[Observer],
    t0: Time,
    days: float = 3.0,
    rng: np.random.Generator | None = None,
    sequence_spacing_s: float = 600.0,
    n_sectors: int = 18,
    frame_step_s: float = 60.0,
    sigma_arcsec: float = 1.0,
    sun_exclusion_deg: float = 40.0,
    detection: DetectionModel | None = None,
    camera: OpticalSensor | Sequence[OpticalSensor] | None = None,
) -> ObservationTable:
    """Observations (with ``truth_id`` = the target's catalog number) of a survey by one
    host or several (each runs the same sector schedule; one truth propagation). A host
    listed among the targets is never its own target (the other hosts still see it).
    ``detection`` (with ``camera``: one per host, or one for all) applies detection
    statistics (module docstring); without it every would-be observation is kept."""
    rng = rng or np.random.default_rng(0)
    hosts = [host] if isinstance(host, Observer) else list(host)
    cameras = _cameras(camera, len(hosts)) if detection is not None else []
    n_seq = int(days * 86400.0 / sequence_spacing_s)
    n_frames = 3 + np.arange(n_seq) % 3
    seq_of = np.repeat(np.arange(n_seq), n_frames)
    frame_no = np.concatenate([np.arange(n) for n in n_frames])
    offsets = seq_of * sequence_spacing_s + frame_no * frame_step_s
    times = t0 + TimeDelta(offsets, format="sec")
    states = truth_states(targets, t0, offsets, rng)
    sun = sun_position_gcrs_km(times)
    parts = [
        _host_picks(
            h, times, states, sun, n_frames, n_sectors, sun_exclusion_deg,
            ~is_observer(targets.norad_id, h),
        )
        for h in hosts
    ]  # fmt: skip
    obj = np.concatenate([p[0] for p in parts])
    col = np.concatenate([p[1] for p in parts])
    unit = np.concatenate([p[2] for p in parts])
    which = np.repeat(np.arange(len(hosts)), [len(p[0]) for p in parts])
    host_r = np.concatenate([p[3] for p in parts])
    host_v = np.concatenate([p[4] for p in parts])
    sig = np.full(obj.size, sigma_arcsec * ARCSEC_RAD)
    track_key = (which * len(targets) + obj.astype(np.int64)) * n_seq + seq_of[col]
    if detection is not None:
        keep, sig = _detected(
            detection, cameras, targets, obj, col, which, host_r, host_v, states, sun,
            track_key, np.random.default_rng(rng.integers(2**63)),
        )  # fmt: skip
        obj, col, unit, which, host_r, host_v, sig, track_key = (
            a[keep] for a in (obj, col, unit, which, host_r, host_v, sig, track_key)
        )
    ra, dec = radec_from_unit_vector(unit)
    noise = _per_target_draws(
        rng, targets.norad_id[obj], which, col, (len(hosts), len(times)), "normal", 2
    )
    dec = dec + noise[:, 0] * sig
    ra = np.mod(ra + noise[:, 1] * sig / np.cos(dec), 2 * np.pi)
    _, track_no = np.unique(track_key, return_inverse=True)
    perm = rng.permutation(track_no.max() + 1 if track_no.size else 0)  # ids carry no truth
    n = len(obj)
    t_s = tai_seconds_since_j2000(times)
    return ObservationTable(
        obs_id=np.array([f"obs-{i}" for i in rng.permutation(n)], dtype=object),
        t_s=t_s[col],
        ra_rad=ra,
        dec_rad=dec,
        sigma_rad=sig,
        observer_position_km=host_r,
        observer_velocity_km_s=host_v,
        sensor_id=np.array([hosts[w].platform_id for w in which], dtype=object),
        track_id=np.array([f"trk-{k}" for k in perm[track_no]], dtype=object),
        truth_id=targets.norad_id[obj].astype(np.int64),
    )


def _per_target_draws(
    rng: np.random.Generator,
    norad: np.ndarray,
    which: np.ndarray,
    col: np.ndarray,
    grid: tuple[int, int],
    kind: str,
    width: int = 1,
) -> np.ndarray:
    """Random draws (uniform or standard normal) per row, ``width`` per row (squeezed when
    1), from one stream per target over the (hosts, frames) ``grid``: what one object
    draws does not depend on which other objects were seen (an injected object does not
    reshuffle the detections and noise of the rest of the population)."""
    base = int(rng.integers(2**63))
    out = np.empty((norad.size, width))
    if not norad.size:
        return out[:, 0] if width == 1 else out
    shape = (*grid, width)
    ids, target = np.unique(norad, return_inverse=True)
    order = np.argsort(target, kind="stable")
    for n, rows in zip(ids, np.split(order, np.cumsum(np.bincount(target))[:-1]), strict=True):
        g = np.random.default_rng([base, int(n)])
        draws = g.uniform(size=shape) if kind == "uniform" else g.standard_normal(shape)
        out[rows] = draws[which[rows], col[rows]]
    return out[:, 0] if width == 1 else out


def _host_picks(host, times, states, sun, n_frames, n_sectors, sun_exclusion_deg, targets):
    """(target index, frame index, unit vector, host position, host velocity) of every
    observation of one host: ``targets`` (mask) in the sector of each sequence, visible
    at all frames."""
    host_r, host_v = host.states_gcrs(times)
    r, v = states[..., :3], states[..., 3:]
    # The host among the targets (a real catalog lists it) is at range 0 from itself: its
    # direction is NaN, and ``targets`` masks it out below.
    with np.errstate(invalid="ignore", divide="ignore"):
        unit, _, _ = light_time_direction(r, v, host_r[None])
        ok = ~earth_occulted(host_r[None], r, 100.0) & targets[:, None]
        ok &= angle_between(unit, (sun - host_r)[None]) > np.radians(sun_exclusion_deg)
        radial, along, _normal = np.moveaxis(rtn_basis(host_r, host_v), -2, 0)
        phase = np.arctan2(np.sum(unit * along, -1), np.sum(unit * radial, -1))
        phase = np.mod(np.where(np.isfinite(phase), phase, 0.0), 2 * np.pi)
    sector = (phase * n_sectors / (2 * np.pi)).astype(int)
    first = np.r_[0, np.cumsum(n_frames)[:-1]]
    pick = np.zeros_like(ok)
    for s in range(len(n_frames)):
        cols = slice(first[s], first[s] + n_frames[s])
        inside = (sector[:, first[s]] == s % n_sectors) & np.all(ok[:, cols], axis=1)
        pick[inside, cols] = True
    obj, col = np.nonzero(pick)
    order = np.lexsort((col, obj))
    obj, col = obj[order], col[order]
    return obj, col, unit[obj, col], host_r[col], host_v[col]


def _cameras(camera: OpticalSensor | Sequence[OpticalSensor] | None, n_hosts: int):
    if camera is None:
        raise ValueError("a detection model needs the hosts' camera(s)")
    cams = [camera] * n_hosts if isinstance(camera, OpticalSensor) else list(camera)
    if len(cams) != n_hosts:
        raise ValueError(f"{len(cams)} cameras for {n_hosts} hosts")
    return cams


def _detected(
    model, cameras, targets, obj, col, which, host_r, host_v, states, sun, track_key, rng
) -> tuple[np.ndarray, np.ndarray]:
    """(kept rows, noise rad per row): detection drawn per row, tracklets of too few
    detections dropped."""
    radius, albedo = rso_sizes(targets)
    snr = np.zeros(obj.size)
    sigma_arcsec = np.zeros(obj.size)
    for w, cam in enumerate(cameras):
        m = which == w
        x = states[obj[m], col[m]]
        snr[m], _ = expected_snr(
            cam, radius[obj[m]], albedo[obj[m]], x[:, :3], x[:, 3:], host_r[m], host_v[m],
            sun[col[m]],
        )  # fmt: skip
        sigma_arcsec[m] = model.sigma_arcsec(snr[m], cam.psf_fwhm_arcsec)
    hit = _per_target_draws(
        rng, targets.norad_id[obj], which, col, (len(cameras), states.shape[1]), "uniform"
    ) < model.probability(snr)
    _, track_no = np.unique(track_key, return_inverse=True)
    per_track = np.bincount(track_no, weights=hit, minlength=track_no.max() + 1 if obj.size else 0)
    keep = hit & (per_track[track_no] >= model.min_frames)
    return keep, sigma_arcsec * ARCSEC_RAD
