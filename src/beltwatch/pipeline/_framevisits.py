"""Frame fidelity: a seeded sample of survey visits rendered as FITS frames and processed by
``beltwatch.processing``; their observations replace the measurement-level ones.

A visit is one survey sequence of one host (:func:`choose_visits`): the camera points at
the densest group of that sequence's measurement-level detections, and takes as many
frames as the sequence has, at the camera's cadence. The frames carry the run's truth,
not SGP4: every truth object near the field (of the truth parts valid at the visit) is
rendered from :func:`simulated_truth_states`, the numerically propagated states the
measurement survey observes, so a frame observation is of the same object, at the same
place, as a measurement-level one would be. Each frame observation gets the truth id of
the sidecar RSO it lies within ``MATCH_RADIUS_PX`` of (-1: none, a false detection).

One task per visit (:func:`frame_visit_task`, picklable, run by the pipeline executor):
truth states, rendering into a temporary directory, processing, matching to truth.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, fields

import numpy as np
from astropy.time import Time

from beltwatch.association import ObservationTable
from beltwatch.catalog import Catalog
from beltwatch.constants import ARCSEC_RAD
from beltwatch.frames import sun_position_gcrs_km, unit_vector_from_radec
from beltwatch.pipeline._truth import TruthPart, simulated_truth_states
from beltwatch.processing import process_frames
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import Observer, OpticalSensor, is_observer
from beltwatch.simulation import (
    DetectionModel,
    FrameSettings,
    check_astrometry,
    check_detection,
    expected_snr,
    exposure_times,
    iter_sequence,
    rso_sizes,
    write_frame,
)
from beltwatch.timescales import tai_seconds_since_j2000, time_from_tai_seconds
from beltwatch.values import Markings

MATCH_RADIUS_PX = 3.0
FIELD_MARGIN_RAD = np.radians(0.5)  # truth near the field: SGP4 vs truth differ << this
ISOLATION_FWHM = 2.0  # a target within 2 FWHM (+ streaks) of another source is blended
EDGE_MARGIN_PX = 10.0
# Processing needs markings; the frame observations become table rows, which carry none
# (the run's records get the policy's own markings later).
_PLACEHOLDER_MARKINGS = Markings(owner="beltwatch", level="simulated")


@dataclass(frozen=True, eq=False)
class FrameVisit:
    """One sampled visit: host, camera, first mid-exposure time, frames, pointing (apparent
    RA/Dec rad), the survey sequence's time window (TAI s since J2000) and a render seed."""

    label: str
    host_id: str
    camera: OpticalSensor
    first_mid_time: Time
    n_frames: int
    ra_rad: float
    dec_rad: float
    window_from_s: float
    window_to_s: float
    seed: int


@dataclass(frozen=True, eq=False)
class VisitResult:
    """A processed visit: its observation table (ids ``frame:<host>:<label>:...``), the
    truth ids rendered in its field, counts, failures, and per target-frame records for
    the check (model SNR, detected, error arcsec: NaN when not detected, isolated)."""

    visit: FrameVisit
    table: ObservationTable
    rendered_ids: np.ndarray
    frames: int
    processed: int
    failures: list[tuple[str, str]]
    sources: int
    snr: np.ndarray
    detected: np.ndarray
    error_arcsec: np.ndarray
    isolated: np.ndarray
    false_detections: int
    truth_s: float
    render_s: float
    process_s: float


def choose_visits(
    table: ObservationTable,
    cameras: dict[str, OpticalSensor],
    start: Time,
    spacing_s: float,
    n_visits: int,
    seed: int,
) -> list[FrameVisit]:
    """A seeded sample of ``n_visits`` (host, survey sequence) pairs, hosts in ``cameras``,
    among those with measurement-level detections, each pointed at the densest group of
    its first frame's detections (within 0.4 of the field width)."""
    start_s = float(tai_seconds_since_j2000(start))
    seq = np.floor((table.t_s - start_s) / spacing_s).astype(np.int64)
    host = table.sensor_id.astype(str)
    pairs = sorted({(h, int(s)) for h, s in zip(host, seq, strict=True) if h in cameras})
    rng = np.random.default_rng([seed, 16])
    pick = rng.choice(len(pairs), min(n_visits, len(pairs)), replace=False)
    visits = []
    for k, i in enumerate(sorted(int(i) for i in pick)):
        h, s = pairs[i]
        rows = np.flatnonzero((host == h) & (seq == s))
        first = rows[table.t_s[rows] == table.t_s[rows].min()]
        cam = cameras[h]
        unit = unit_vector_from_radec(table.ra_rad[first], table.dec_rad[first])
        half = 0.4 * cam.field_of_view_rad[0]
        best = first[int(np.argmax((unit @ unit.T >= np.cos(half)).sum(axis=1)))]
        n_frames = len(np.unique(table.t_s[rows]))
        visits.append(
            FrameVisit(
                f"v{k:02d}", h, cam, time_from_tai_seconds(np.array([table.t_s[best]]))[0],
                max(n_frames, 3), float(table.ra_rad[best]), float(table.dec_rad[best]),
                start_s + s * spacing_s, start_s + (s + 1) * spacing_s, seed * 1000 + k,
            )
        )  # fmt: skip
    return visits


def _truth_near_field(
    visit: FrameVisit, observer: Observer, parts: tuple[TruthPart, ...], start: Time
) -> tuple[Catalog, np.ndarray]:
    """(targets, truth states at the exposure times) of every truth object near the field."""
    cam = visit.camera
    times = exposure_times(cam, visit.first_mid_time, visit.n_frames)
    t0 = Time([visit.first_mid_time])
    t_s = float(tai_seconds_since_j2000(visit.first_mid_time))
    obs_r, _ = observer.states_gcrs(t0)
    bore = unit_vector_from_radec(visit.ra_rad, visit.dec_rad)
    radius = 0.5 * float(np.hypot(*cam.field_of_view_rad)) + FIELD_MARGIN_RAD
    cats, states = [], []
    for part in parts:
        if not part.keep_from_s <= t_s < part.keep_to_s:
            continue
        r = Sgp4Propagator(workers=1).propagate(part.targets, t0, "gcrs").position_km[:, 0]
        los = r - obs_r[0]
        with np.errstate(invalid="ignore"):
            cos = (los @ bore) / np.linalg.norm(los, axis=1)
        in_field = np.nan_to_num(cos, nan=-1.0) > np.cos(radius)
        near = np.flatnonzero(in_field & ~is_observer(part.targets.norad_id, observer))
        if near.size:
            cats.append(part.targets[near])
            states.append(simulated_truth_states(part.targets, start, times, part.seed, near))
    if not cats:
        return Catalog.empty(), np.zeros((0, len(times), 6))
    return Catalog.concatenate(cats), np.concatenate(states)


def frame_visit_task(
    visit: FrameVisit, observer: Observer, parts: tuple[TruthPart, ...], start: Time
) -> VisitResult:
    """Render the visit's frames from the run's truth, process them, match to truth."""
    cam = visit.camera
    t_truth = time.perf_counter()
    targets, states = _truth_near_field(visit, observer, parts, start)
    t_render = time.perf_counter()
    settings = FrameSettings(seed=visit.seed)
    with tempfile.TemporaryDirectory(prefix="beltwatch-frames-") as folder:
        frames = list(
            iter_sequence(
                cam, observer, targets, visit.first_mid_time, visit.n_frames, visit.ra_rad,
                visit.dec_rad, 0.0, settings, target_states=states,
            )
        )  # fmt: skip
        paths = [write_frame(folder, f) for f in frames]
        t_process = time.perf_counter()
        result = process_frames(paths, markings=_PLACEHOLDER_MARKINGS)
        t_done = time.perf_counter()
    model_snr = _model_snr(cam, observer, targets, states, visit)
    scale_rad = cam.pixel_scale_arcsec * ARCSEC_RAD
    by_frame: dict[str, list[int]] = {}
    for i, o in enumerate(result.observations):
        by_frame.setdefault(o.frame_id or "", []).append(i)
    truth_id = np.full(len(result.observations), -1, dtype=np.int64)
    row_of = {int(n): k for k, n in enumerate(targets.norad_id)}
    records: list[tuple[float, bool, float, bool]] = []
    for k, frame in enumerate(frames):
        rsos = frame.truth["rsos"]
        obs = by_frame.get(frame.frame_id, [])
        found = _match(result.observations, obs, rsos, scale_rad, truth_id)
        isolated = _isolated(frame.truth, cam)
        for j, r in enumerate(rsos):
            s = model_snr[row_of[int(r["norad_id"])], k]
            records.append((s, j in found, found.get(j, np.nan), bool(isolated[j])))
    table = _frame_table(result.observations, truth_id, visit)
    rec = np.array(records, dtype=float).reshape(-1, 4)
    rendered = {int(r["norad_id"]) for f in frames for r in f.truth["rsos"]}
    return VisitResult(
        visit=visit,
        table=table,
        rendered_ids=np.array(sorted(rendered), dtype=np.int64),
        frames=len(frames),
        processed=len(result.reductions),
        failures=[(f.path.rsplit("/", 1)[-1], f.reason) for f in result.failures],
        sources=sum(len(r.sources) for r in result.reductions),
        snr=rec[:, 0],
        detected=rec[:, 1].astype(bool),
        error_arcsec=rec[:, 2],
        isolated=rec[:, 3].astype(bool),
        false_detections=int(np.sum(truth_id < 0)),
        truth_s=round(t_render - t_truth, 3),
        render_s=round(t_process - t_render, 3),
        process_s=round(t_done - t_process, 3),
    )


def _model_snr(
    cam: OpticalSensor, observer: Observer, targets: Catalog, states: np.ndarray, v: FrameVisit
) -> np.ndarray:
    """(targets, frames) expected SNR of the measurement-level model at mid-exposure."""
    mids = exposure_times(cam, v.first_mid_time, v.n_frames)[1::3]
    if not len(targets):
        return np.zeros((0, v.n_frames))
    obs_r, obs_v = observer.states_gcrs(mids)
    x = states[:, 1::3]
    radius, albedo = rso_sizes(targets)
    snr, _ = expected_snr(
        cam, radius[:, None], albedo[:, None], x[..., :3], x[..., 3:], obs_r[None], obs_v[None],
        sun_position_gcrs_km(mids)[None],
    )  # fmt: skip
    return snr


def _match(observations, rows: list[int], rsos: list[dict], scale_rad: float, truth_id):
    """Truth RSO index -> error (arcsec) of the observation matched to it; sets
    ``truth_id`` of the matched observation rows."""
    if not rsos or not rows:
        return {}
    t_unit = unit_vector_from_radec(
        np.radians([r["ra_deg"] for r in rsos]), np.radians([r["dec_deg"] for r in rsos])
    )
    found: dict[int, float] = {}
    for i in rows:
        o = observations[i]
        sep = np.arccos(np.clip(t_unit @ unit_vector_from_radec(o.ra_rad, o.dec_rad), -1, 1))
        j = int(np.argmin(sep))
        if sep[j] <= MATCH_RADIUS_PX * scale_rad:
            truth_id[i] = int(rsos[j]["norad_id"])
            arcsec = float(sep[j] / ARCSEC_RAD)
            found[j] = min(found.get(j, np.inf), arcsec)
    return found


def _isolated(truth: dict, cam: OpticalSensor) -> np.ndarray:
    """Per sidecar RSO: away from the edges and from every other source (2 FWHM plus half
    of both streak lengths, mid-exposure positions)."""
    rsos, stars = truth["rsos"], truth["stars"]
    if not rsos:
        return np.zeros(0, bool)

    def mids_lengths(src: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        xy = np.array([[s["x"], s["y"]] for s in src], dtype=float).reshape(-1, 2)
        length = np.array(
            [np.hypot(s["x_end"] - s["x_start"], s["y_end"] - s["y_start"]) for s in src]
        )
        return xy, length

    r_xy, r_len = mids_lengths(rsos)
    all_xy, all_len = mids_lengths(rsos + stars)
    d = np.linalg.norm(r_xy[:, None] - all_xy[None], axis=-1)
    d[np.arange(len(rsos)), np.arange(len(rsos))] = np.inf
    need = ISOLATION_FWHM * cam.psf_fwhm_px + 0.5 * (r_len[:, None] + all_len[None])
    clear = (d > need).all(axis=1)
    m = EDGE_MARGIN_PX
    inside = (r_xy[:, 0] > m) & (r_xy[:, 0] < truth["cols"] - 1 - m)
    inside &= (r_xy[:, 1] > m) & (r_xy[:, 1] < truth["rows"] - 1 - m)
    return clear & inside


def _frame_table(observations, truth_id: np.ndarray, visit: FrameVisit) -> ObservationTable:
    prefix = f"frame:{visit.host_id}:{visit.label}:"
    if not observations:
        return _empty_table()
    table = ObservationTable.from_observations(observations)
    values = {f.name: getattr(table, f.name) for f in fields(table)}
    values["obs_id"] = np.array([prefix + str(x) for x in table.obs_id], dtype=object)
    values["track_id"] = np.array([prefix + str(x) for x in table.track_id], dtype=object)
    values["sensor_id"] = np.full(len(table), visit.host_id, dtype=object)
    values["truth_id"] = truth_id
    return ObservationTable(**values)


def _empty_table() -> ObservationTable:
    empty = np.zeros(0)
    return ObservationTable(
        np.zeros(0, dtype=object), empty, empty, empty, empty, np.zeros((0, 3)),
        np.zeros((0, 3)), np.zeros(0, dtype=object), np.zeros(0, dtype=object),
        np.zeros(0, dtype=np.int64),
    )  # fmt: skip


def replace_visits(table: ObservationTable, results: list[VisitResult]) -> list[ObservationTable]:
    """The measurement-level rows that stay (not of a visit's host, window and rendered
    objects), followed by every visit's frame observations."""
    assert table.truth_id is not None
    drop = np.zeros(len(table), bool)
    for r in results:
        v = r.visit
        drop |= (
            (table.sensor_id.astype(str) == v.host_id)
            & (table.t_s >= v.window_from_s)
            & (table.t_s < v.window_to_s)
            & np.isin(table.truth_id, r.rendered_ids)
        )
    return [table.take(np.flatnonzero(~drop)), *(r.table for r in results if len(r.table))]


def frames_summary(results: list[VisitResult], replaced: int, model: DetectionModel) -> dict:
    """The ``frames`` section of summary.json: counts, failures, astrometry, the check."""
    iso = np.concatenate([r.isolated for r in results]) if results else np.zeros(0, bool)
    snr = np.concatenate([r.snr for r in results])[iso] if results else np.zeros(0)
    det = np.concatenate([r.detected for r in results])[iso] if results else np.zeros(0, bool)
    err_all = np.concatenate([r.error_arcsec for r in results]) if results else np.zeros(0)
    err = err_all[iso]
    fwhm = results[0].visit.camera.psf_fwhm_arcsec if results else 1.0
    ok = np.isfinite(err)
    matched = np.isfinite(err_all)
    n_frames = sum(r.frames for r in results)
    per_frame = max(n_frames, 1)
    return {
        "visits": [f"{r.visit.host_id}:{r.visit.label}" for r in results],
        "frames_rendered": n_frames,
        "frames_processed": sum(r.processed for r in results),
        "frame_failures": [
            {"visit": r.visit.label, "frame": f, "reason": why}
            for r in results
            for f, why in r.failures
        ],
        "sources_detected": sum(r.sources for r in results),
        "observations": sum(len(r.table) for r in results),
        "measurement_observations_replaced": replaced,
        "rso_target_frames": int(sum(r.snr.size for r in results)),
        "rso_detections_matched": int(matched.sum()),
        "false_detections": sum(r.false_detections for r in results),
        "astrometric_error_arcsec": {
            "n": int(matched.sum()),
            "p50": _round(np.percentile(err_all[matched], 50)) if matched.any() else None,
            "p90": _round(np.percentile(err_all[matched], 90)) if matched.any() else None,
        },
        "seconds": {
            "truth_per_visit": round(sum(r.truth_s for r in results) / max(len(results), 1), 3),
            "render_per_frame": round(sum(r.render_s for r in results) / per_frame, 3),
            "process_per_frame": round(sum(r.process_s for r in results) / per_frame, 3),
        },
        "check": {
            "model": {
                "threshold_snr": model.threshold_snr,
                "width_snr": model.width_snr,
                "centroid_fwhm_factor": model.centroid_fwhm_factor,
                "floor_arcsec": model.floor_arcsec,
            },
            "isolated_target_frames": int(iso.sum()),
            "detection": check_detection(snr, det, model),
            "astrometry": check_astrometry(err[ok], snr[ok], fwhm, model),
        },
    }


def _round(x: float) -> float:
    return round(float(x), 3)
