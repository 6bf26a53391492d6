"""``beltwatch run`` with frame fidelity on a short scenario: the sampled visits are
rendered and processed, the summary's frames section is filled, and the frame
observations (ids ``frame:...``) reach the observation products, correlated to the truth
object each was rendered from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beltwatch.pipeline import RunOptions, run_pipeline

pytestmark = pytest.mark.xdist_group("frames")

FRAMES = """
name = "short-frames"
[run]
hours = 3.0
seed = 7
[truth]
max_objects = 100
[observe]
fidelity = "frames"
frame_sample_visits = 4
[orbits]
batch_max_objects = 4
[analytics]
screening_days = 0.3
"""


@pytest.fixture(scope="module")
def frames_run(tmp_path_factory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("frames-run")
    (folder / "scenario.toml").write_text(FRAMES, encoding="utf-8")
    summary, path = run_pipeline(
        RunOptions(scenario=folder / "scenario.toml", out_dir=folder / "runs")
    )
    return summary, path.parent


def test_the_frames_section_is_filled(frames_run):
    summary, _ = frames_run
    f = summary["frames"]
    assert len(f["visits"]) == 4
    assert f["frames_rendered"] >= 12 and f["frames_processed"] == f["frames_rendered"]
    assert f["frame_failures"] == []
    assert f["sources_detected"] > 10 * f["frames_rendered"]  # stars, mostly
    assert f["rso_detections_matched"] > 0
    assert f["false_detections"] <= 0.05 * f["observations"]
    assert 0 < f["astrometric_error_arcsec"]["p50"] < 3.0
    assert f["check"]["detection"]["bins"]
    assert f["seconds"]["render_per_frame"] > 0 and f["seconds"]["process_per_frame"] > 0


def test_frame_observations_are_in_the_table_and_correctly_tagged(frames_run):
    summary, run_dir = frames_run
    f = summary["frames"]
    assert f["observations_in_table"] == f["observations"] > 0
    assert f["observations_tagged"] >= 0.8 * f["observations_in_table"]
    assert f["correctly_tagged_fraction"] >= 0.98
    assert summary["truth"]["correctly_tagged_fraction"] > 0.99
    records = json.loads((run_dir / "products" / "SSN" / "obs.json").read_text())
    frame_ids = [r["id"] for r in records if r["id"].startswith("frame:")]
    assert len(frame_ids) == f["observations_tagged"]
    assert summary["observations"]["total"] == sum(summary["observations"]["per_host"].values())
    assert "Frame visits" in (run_dir / "report.html").read_text()


def test_frame_visits_run_as_dask_tasks_with_the_same_result(frames_run, tmp_path):
    """One task per visit on a two-process cluster: the same frames, detections and check
    as the local run (rendering and processing are seeded and deterministic)."""
    distributed = pytest.importorskip("distributed")
    summary, _ = frames_run
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        scenario = tmp_path / "scenario.toml"
        scenario.write_text(FRAMES, encoding="utf-8")
        remote, _ = run_pipeline(
            RunOptions(scenario=scenario, out_dir=tmp_path, scheduler=cluster.scheduler_address)
        )
    assert "2 workers" in remote["executor"]
    drop = ("seconds",)
    same = {k: v for k, v in summary["frames"].items() if k not in drop}
    assert {k: v for k, v in remote["frames"].items() if k not in drop} == same
    assert remote["observations"] == summary["observations"]
