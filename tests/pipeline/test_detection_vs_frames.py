"""The measurement-level detection model checked against the frame path.

Eight visits of five frames (QZS-6 and QZS-7, the default cameras, the densest fields of
the 600-object synthetic belt over half a day) are rendered from the run's truth model
and processed by ``beltwatch.processing`` (the pipeline's own visit task). Per target and
frame, detected or not is compared with Pd(SNR) of the measurement-level model, and the
astrometric error against the truth sidecars with the modelled sigma (the checks of
docs/main-job.md). The same checks must reject a model whose threshold is 3 SNR off or
whose centroid noise is twice too large: they can fail.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from beltwatch.catalog import synthetic_geo_population
from beltwatch.pipeline import FrameVisit, TruthPart, frame_visit_task
from beltwatch.sensors import default_scenario
from beltwatch.simulation import DetectionModel, check_astrometry, check_detection, densest_field
from beltwatch.timescales import tai_seconds_since_j2000

pytestmark = pytest.mark.xdist_group("frames")

START = Time("2026-05-30T00:00:00", scale="utc")
SEED = 2025


@pytest.fixture(scope="module")
def visits():
    sensors = default_scenario()
    pop = synthetic_geo_population(seed=SEED)
    parts = (TruthPart("main", pop, SEED),)
    out = []
    for k in range(8):
        sensor = sensors.sensors["qzs6-wfc" if k % 2 == 0 else "qzs7-wfc"]
        host, cam = sensor.platform, sensor.camera
        t = START + TimeDelta(1800.0 + k * 5400.0, format="sec")
        ra, dec = densest_field(cam, host, pop, t)
        t_s = float(tai_seconds_since_j2000(t))
        visit = FrameVisit(
            f"v{k:02d}", host.platform_id, cam, t, 5, ra, dec, t_s, t_s + 900.0, 100 + k
        )
        out.append(frame_visit_task(visit, host, parts, START))
    return out


def _arrays(visits):
    iso = np.concatenate([v.isolated for v in visits])
    snr = np.concatenate([v.snr for v in visits])[iso]
    det = np.concatenate([v.detected for v in visits])[iso]
    err = np.concatenate([v.error_arcsec for v in visits])[iso]
    return snr, det, err


def test_every_frame_is_processed_and_observations_are_of_truth_objects(visits):
    assert sum(v.frames for v in visits) == 40
    assert sum(v.processed for v in visits) == 40
    assert not [f for v in visits for f in v.failures]
    n_obs = sum(len(v.table) for v in visits)
    assert n_obs > 200
    assert sum(v.false_detections for v in visits) <= 0.03 * n_obs
    for v in visits:
        assert all(str(i).startswith(f"frame:{v.visit.host_id}:") for i in v.table.obs_id)


def test_detections_follow_the_model_and_a_shifted_threshold_is_rejected(visits):
    snr, det, _ = _arrays(visits)
    # enough faint targets for the check to mean something
    assert np.sum((snr > 4.0) & (snr < 9.0)) >= 40
    model = DetectionModel()
    result = check_detection(snr, det, model)
    assert result["passed"], result
    for shift in (+3.0, -3.0):
        wrong = replace(model, threshold_snr=model.threshold_snr + shift)
        assert not check_detection(snr, det, wrong)["passed"], shift


def test_astrometric_errors_match_the_modelled_sigma(visits):
    snr, _, err = _arrays(visits)
    ok = np.isfinite(err)
    fwhm = visits[0].visit.camera.psf_fwhm_arcsec
    model = DetectionModel()
    result = check_astrometry(err[ok], snr[ok], fwhm, model)
    assert result["passed"], result
    assert result["n"] > 200
    too_noisy = replace(model, centroid_fwhm_factor=2.0 * model.centroid_fwhm_factor)
    assert not check_astrometry(err[ok], snr[ok], fwhm, too_noisy)["passed"]
