"""Collision probability against the Alfano cases (NASA CARA, via Orekit's test values),
Chan's published behaviour, Monte Carlo agreement, and the CDM inputs (HBR, covariance)."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time

from beltwatch.analytics import (
    ChanSeries,
    Foster2D,
    MaximumPc,
    MonteCarlo,
    assess_collision_probability,
    chan_pc_2d,
    encounter_plane,
    foster_pc_2d,
    max_pc_isotropic,
)
from beltwatch.errors import InputError
from beltwatch.formats import ConjunctionEvent, event_from_cdm, parse_messages, read_message
from beltwatch.values import Markings, OrbitState

MARK = Markings("TEST", "PUBLIC")
# Orekit passes each case's "COMMENT HBR" value as the combined radius (ccsds/README.md).
ALFANO_HBR_M = {1: 15, 2: 4, 3: 15, 4: 15, 5: 10, 6: 10, 7: 10, 8: 4, 9: 6, 11: 4}


def _expected(shared_data: Path) -> dict[str, float]:
    path = shared_data / "ccsds" / "cdm" / "alfano-expected-pc.csv"
    with path.open() as handle:
        return {row["case_file"]: float(row["expected_pc"]) for row in csv.DictReader(handle)}


def _alfano(shared_data: Path, name: str) -> ConjunctionEvent:
    return event_from_cdm(read_message(shared_data / "ccsds" / "cdm" / name), default_markings=MARK)


def test_foster_matches_every_alfano_case(shared_data: Path) -> None:
    expected = _expected(shared_data)
    assert len(expected) == 10
    for name, pc in expected.items():
        conj = _alfano(shared_data, name)
        assert conj.hard_body_radius_m == ALFANO_HBR_M[int(name[-6:-4])]
        result = assess_collision_probability(conj, methods=(Foster2D(),))
        assert result.hbr_source == "cdm"
        assert result.pc == pytest.approx(pc, rel=1e-3), name


def test_foster_and_chan_on_encounter_plane_inputs(shared_data: Path) -> None:
    path = shared_data / "ccsds" / "cdm" / "alfano-expected-pc-2d-inputs.csv"
    with path.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["variant"] == "double"]
    for row in rows:
        xm, ym, sx, sy, radius = (
            float(row[k]) for k in ("xm", "ym", "sigma_x", "sigma_y", "radius")
        )
        miss, cov = np.array([xm, ym]), np.diag([sx**2, sy**2])
        if row["method"] == "Alfano2005":
            assert foster_pc_2d(miss, cov, radius) == pytest.approx(
                float(row["expected_pc"]), rel=1e-3
            )
        if row["method"] == "Chan1997" and row["alfano_case"] == "3":
            # Chan's approximation is poor for this elongated covariance, and published so.
            assert chan_pc_2d(miss, cov, radius) == pytest.approx(
                float(row["expected_pc"]), rel=1e-3
            )


def test_chan_is_exact_for_an_isotropic_covariance() -> None:
    for miss, sigma, radius in ((0.3, 0.5, 0.05), (2.0, 0.7, 0.4), (0.0, 1.0, 0.1)):
        cov = np.eye(2) * sigma**2
        m = np.array([miss, 0.0])
        assert chan_pc_2d(m, cov, radius) == pytest.approx(foster_pc_2d(m, cov, radius), rel=1e-9)


def test_foster_against_direct_two_dimensional_sampling() -> None:
    rng = np.random.default_rng(3)
    miss, cov, radius = np.array([0.02, -0.01]), np.array([[4e-4, 1e-4], [1e-4, 1e-4]]), 0.015
    points = rng.multivariate_normal(miss, cov, 400_000)
    sampled = np.mean(np.hypot(*points.T) < radius)
    sigma = np.sqrt(sampled * (1 - sampled) / points.shape[0])
    assert abs(foster_pc_2d(miss, cov, radius) - sampled) < 4 * sigma


def _leo_crossing() -> ConjunctionEvent:
    """A fast LEO crossing (14 km/s) with 100-m class uncertainties: 2D assumptions hold."""
    r1 = np.array([7000.0, 0.0, 0.0])
    v1 = np.array([0.0, 7.5, 0.0])
    r2 = r1 + np.array([0.0, 0.0, 0.06])
    v2 = np.array([0.0, -7.0, 1.5])
    cov = np.diag([0.05**2, 0.2**2, 0.05**2, 1e-8, 1e-8, 1e-8])
    t = Time("2026-06-01T00:00:00", scale="utc")
    s1 = OrbitState(t, r1, v1, "gcrs", cov, 1, MARK)
    s2 = OrbitState(t, r2, v2, "gcrs", cov * 2, 2, MARK)
    return ConjunctionEvent("leo", t, 0.06, s1, s2, MARK, hard_body_radius_m=20.0)


@pytest.mark.parametrize("case", ["alfano3", "leo"])
def test_monte_carlo_agrees_with_foster_where_2d_holds(shared_data: Path, case: str) -> None:
    conj = _alfano(shared_data, "AlfanoTestCase03.cdm") if case == "alfano3" else _leo_crossing()
    result = assess_collision_probability(conj, methods=(Foster2D(), MonteCarlo(samples=100_000)))
    assert not any("2D assumptions" in f for f in result.flags)
    mc = result.estimates["monte_carlo"]
    lo, hi = mc.ci95
    assert lo <= result.pc <= hi, (result.pc, mc.ci95)
    assert hi - lo < 0.2 * result.pc  # the interval is informative


def test_slow_geo_encounter_is_flagged_and_monte_carlo_differs(shared_data: Path) -> None:
    result = assess_collision_probability(
        _alfano(shared_data, "AlfanoTestCase01.cdm"),
        methods=(Foster2D(), MonteCarlo(samples=40_000)),
    )
    assert any("2D assumptions questionable" in f for f in result.flags)
    lo, hi = result.estimates["monte_carlo"].ci95
    assert not lo <= result.pc <= hi  # 0.147 (2D) against ~0.22 (trials)


def test_maximum_pc_bounds_and_isotropic_limit(shared_data: Path) -> None:
    conj = _alfano(shared_data, "AlfanoTestCase07.cdm")
    result = assess_collision_probability(conj, methods=(Foster2D(), MaximumPc()))
    assert result.max_pc >= result.pc
    d, radius = 1.0, 0.01  # far outside the hard body: R^2 / (e d^2)
    assert max_pc_isotropic(d, radius) == pytest.approx(radius**2 / (np.e * d**2), rel=0.01)
    assert max_pc_isotropic(0.005, 0.01) == 1.0


def test_missing_covariance_gives_max_pc_only(shared_data: Path) -> None:
    conj = _alfano(shared_data, "AlfanoTestCase02.cdm")
    bare = replace(
        conj,
        object1=replace(conj.object1, covariance=None),
        object2=replace(conj.object2, covariance=None),
    )
    result = assess_collision_probability(bare)
    assert result.pc is None and result.estimates["chan"].pc is None
    assert result.max_pc > 0
    assert any("no covariance" in f for f in result.flags)


def test_non_positive_definite_plane_covariance_is_remediated() -> None:
    conj = _leo_crossing()
    bad = np.diag([-1e-6, 0.04, -1e-6, 1e-8, 1e-8, 1e-8])  # negative cross-plane variance
    conj = replace(
        conj,
        object1=replace(conj.object1, covariance=bad),
        object2=replace(conj.object2, covariance=np.zeros((6, 6))),
    )
    result = assess_collision_probability(conj, methods=(Foster2D(),))
    assert any("remediated" in f for f in result.flags)
    assert result.pc is not None and 0 <= result.pc <= 1
    nan = np.full((6, 6), np.nan)
    with pytest.raises(InputError, match="NaN"):
        encounter_plane(
            np.ones(3),
            np.array([0, 1.0, 0]),
            nan,
            np.array([1.0, 1.0, 1.1]),
            np.array([0, -1.0, 0.2]),
            nan,
            0.01,
        )


def test_hbr_comment_variants_and_bad_value(shared_data: Path) -> None:
    text = (shared_data / "ccsds" / "cdm" / "AlfanoTestCase05.cdm").read_text()
    line = next(x for x in text.splitlines() if x.startswith("COMMENT HBR"))
    for replacement, metres in (
        ("COMMENT HBR = 10 [m]", 10.0),
        ("COMMENT HBR = 0.012 [km]", 12.0),
        ("COMMENT HBR = 7", 7.0),
    ):
        message = parse_messages(text.replace(line, replacement), "case5")[0]
        assert event_from_cdm(message, default_markings=MARK).hard_body_radius_m == metres
    message = parse_messages(text.replace(line, "COMMENT HBR = -3 [m]"), "case5")[0]
    with pytest.raises(InputError, match="HBR"):
        event_from_cdm(message, default_markings=MARK)
    message = parse_messages(text.replace(line, ""), "case5")[0]
    conj = event_from_cdm(message, default_markings=MARK)
    assert conj.hard_body_radius_m is None
    assert assess_collision_probability(conj, methods=(Foster2D(),)).hbr_source == "default"
    assert (
        assess_collision_probability(conj, hbr_m=10, methods=(Foster2D(),)).hbr_source == "option"
    )


def test_cdm_checks_frames_and_variances(shared_data: Path) -> None:
    text = (shared_data / "ccsds" / "cdm" / "AlfanoTestCase04.cdm").read_text()
    _, second = (i for i, x in enumerate(text.splitlines()) if x.startswith("REF_FRAME"))
    lines = text.splitlines()
    lines[second] = lines[second].replace("EME2000", "GCRF")
    conj = event_from_cdm(parse_messages("\n".join(lines), "x")[0], default_markings=MARK)
    assert any("different frames" in f for f in conj.flags)
    lines[second] = lines[second].replace("GCRF", "ITRF")
    with pytest.raises(InputError, match="REF_FRAME"):
        event_from_cdm(parse_messages("\n".join(lines), "x")[0], default_markings=MARK)
    bad = text.replace("= 6.024200059574752e+03", "= -6.024200059574752e+03", 1)
    assert bad != text
    with pytest.raises(InputError, match="negative variance"):
        event_from_cdm(parse_messages(bad, "x")[0], default_markings=MARK)


def test_malformed_cdms_fail_with_the_line(shared_data: Path) -> None:
    for name in ("CDM-missing-TCA.txt", "CDM-wrong-key-word.txt"):
        with pytest.raises(InputError) as err:
            read_message(shared_data / "ccsds" / "bad" / name)
        assert "line" in str(err.value)


def test_each_method_declines_without_covariance() -> None:
    conj = _leo_crossing()
    inputs_conj = replace(
        conj,
        object1=replace(conj.object1, covariance=None),
        object2=replace(conj.object2, covariance=None),
    )
    result = assess_collision_probability(
        inputs_conj, methods=(Foster2D(), ChanSeries(), MonteCarlo(samples=100), MaximumPc())
    )
    assert [result.estimates[m].pc is None for m in ("foster_2d", "chan", "monte_carlo")] == [
        True,
        True,
        True,
    ]
    assert result.estimates["max_pc"].pc > 0
