"""CCSDS details of issue 13: one TDM segment per tracklet (per-observation sigmas kept),
OPM/OEM/OMM named from the catalog (OBJECT_NAME, OBJECT_ID = international designator),
the catalog number carried and read back, and export counting orbits, not points."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from beltwatch.catalog import object_identities
from beltwatch.errors import InputError
from beltwatch.formats import (
    ObjectIdentity,
    elements_from_omm,
    encode_message,
    observations_from_tdm,
    oem_from_states,
    omm_from_elements,
    opm_from_state,
    parse_messages,
    states_from_message,
    tdm_from_observations,
    write_oem,
)
from beltwatch.propagation import Sgp4Propagator
from beltwatch.values import ElementSet, Markings, Observation, OrbitState

MARK = Markings("USA", "RESTRICTED", frozenset({"FVEY"}))
ARCSEC = math.pi / 180 / 3600
T0 = Time("2026-05-30T00:00:00", scale="utc")


def tracklets(n_tracks: int = 13, per_track: int = 29, uniform: bool = False) -> list:
    """Processed-like observations: tracklets of 3 s cadence, sigmas varying per observation."""
    rng = np.random.default_rng(2)
    out = []
    for k in range(n_tracks):
        for j in range(per_track):
            sigma = 0.8 * ARCSEC if uniform else float(rng.uniform(0.5, 1.2)) * ARCSEC
            out.append(
                Observation(
                    obs_id=f"t{k}-{j}",
                    time=T0 + TimeDelta(3.0 * j + 0.5 * k, format="sec"),
                    ra_rad=0.1 * k + 1e-5 * j,
                    dec_rad=-0.01 * k,
                    ra_sigma_rad=sigma * 1.0001,
                    dec_sigma_rad=sigma,
                    observer_position_km=np.full(3, np.nan),
                    observer_velocity_km_s=np.full(3, np.nan),
                    sensor_id="qzs6-wfc",
                    markings=MARK,
                    magnitude=12.0 + 0.01 * j,
                    norad_id=None if k % 3 == 0 else 40000 + k,
                    track_id=f"seq0-T{k:03d}",
                )
            )
    return out


@pytest.mark.parametrize("encoding", ["kvn", "xml"])
def test_one_segment_per_tracklet_with_every_sigma_kept(encoding: str) -> None:
    obs = tracklets()
    text = encode_message(tdm_from_observations(obs), encoding)
    (message,) = parse_messages(text, "t.tdm")
    assert len(message.segments) == 13  # 13 tracklets, 377 observations
    assert {s.meta("TRACK_ID") for s in message.segments} == {o.track_id for o in obs}
    back = {(o.track_id, round(float(o.time.unix), 3)): o for o in observations_from_tdm(message)}
    assert len(back) == len(obs)
    for a in obs:
        b = back[(a.track_id, round(float(a.time.unix), 3))]
        assert b.ra_sigma_rad == pytest.approx(a.ra_sigma_rad, rel=1e-5)
        assert b.dec_sigma_rad == pytest.approx(a.dec_sigma_rad, rel=1e-5)
        assert (b.norad_id, b.sensor_id) == (a.norad_id, a.sensor_id)


def test_equal_sigmas_stay_one_metadata_comment() -> None:
    message = tdm_from_observations(tracklets(2, 5, uniform=True))
    for segment in message.segments:
        comments = [e.value for e in segment.metadata if e.keyword == "COMMENT"]
        assert comments == ["sigma ANGLE_1 0.80008 arcsec, ANGLE_2 0.8 arcsec"]
        assert all(getattr(item, "keyword", None) != "COMMENT" for item in segment.data)


def test_observations_at_one_epoch_do_not_merge() -> None:
    """Within a segment observations are told apart by EPOCH; a repeat opens another."""
    a = tracklets(1, 3)
    twin = [Observation(**{**o.__dict__, "obs_id": o.obs_id + "b", "ra_rad": 2.0}) for o in a]
    message = tdm_from_observations([*a, *twin])
    assert len(message.segments) == 2
    assert len(observations_from_tdm(message)) == 6


def test_a_miscounted_sigma_list_is_a_located_error() -> None:
    text = encode_message(tdm_from_observations(tracklets(1, 8)), "kvn")
    broken = text.replace(" 0.", " x0.", 1)
    with pytest.raises(InputError, match="'ANGLE_1/ANGLE_2' numbers") as info:
        observations_from_tdm(parse_messages(broken, "b.tdm")[0])
    assert info.value.source == "b.tdm" and info.value.line == 6  # the segment's META_START
    first = next(
        line
        for line in text.splitlines()
        if line.startswith("COMMENT sigma ANGLE_1/ANGLE_2 arcsec:")
    )
    fewer = text.replace(first, first.rsplit(" ", 1)[0])
    with pytest.raises(InputError, match="7 per-observation sigmas for 8 observations"):
        observations_from_tdm(parse_messages(fewer, "f.tdm")[0])


@pytest.fixture(scope="module")
def named_states(geo_catalog) -> list[OrbitState]:
    """SGP4 GCRS states of QZS-6 and BADR-4 (10 each), named as the catalog names them."""
    rows = geo_catalog[np.isin(geo_catalog.norad_id, [62876, 29526])]
    times = T0 + TimeDelta(np.arange(10) * 600.0, format="sec")
    eph = Sgp4Propagator(workers=1).propagate(rows, times, "gcrs")
    names = object_identities(rows)
    return [
        OrbitState(
            times[j], eph.position_km[i, j], eph.velocity_km_s[i, j], "gcrs", None,
            int(n), MARK, names[int(n)].name, names[int(n)].intl_designator,
        )
        for i, n in enumerate(rows.norad_id)
        for j in range(times.size)
    ]  # fmt: skip


@pytest.mark.parametrize("encoding", ["kvn", "xml"])
def test_oem_and_opm_carry_the_catalog_name_and_designator(named_states, encoding) -> None:
    qzs6 = [s for s in named_states if s.norad_id == 62876]
    for message in (oem_from_states(named_states), opm_from_state(qzs6[0])):
        (parsed,) = parse_messages(encode_message(message, encoding), f"m.{encoding}")
        by_name = {s.meta("OBJECT_NAME"): s.meta("OBJECT_ID") for s in parsed.segments}
        assert by_name["QZS-6 (MICHIBIKI-6)"] == "2025-023A"
        back = {s.norad_id: s for s in states_from_message(parsed)}
        assert back[62876].object_name == "QZS-6 (MICHIBIKI-6)"
        assert back[62876].intl_designator == "2025-023A"
    oem = oem_from_states(named_states)
    assert {s.meta("OBJECT_ID") for s in oem.segments} == {"2025-023A", "2006-051A"}


def test_unnamed_states_keep_the_number_and_a_table_names_them(named_states) -> None:
    bare = [OrbitState(s.epoch, s.position_km, s.velocity_km_s, "gcrs", None, s.norad_id, MARK)
            for s in named_states if s.norad_id == 62876]  # fmt: skip
    (segment,) = oem_from_states(bare).segments
    assert (segment.meta("OBJECT_NAME"), segment.meta("OBJECT_ID")) == ("NORAD 62876", "62876")
    again = states_from_message(oem_from_states(bare))
    assert again[0].norad_id == 62876 and again[0].object_name == ""
    table = {62876: ObjectIdentity("QZS-6 (MICHIBIKI-6)", "2025-023A")}
    (segment,) = opm_from_state(bare[0], objects=table).segments
    assert (segment.meta("OBJECT_NAME"), segment.meta("OBJECT_ID")) == (
        "QZS-6 (MICHIBIKI-6)",
        "2025-023A",
    )


def test_omm_object_id_is_the_designator(geo_catalog) -> None:
    (row,) = np.flatnonzero(geo_catalog.norad_id == 62876)
    elements = geo_catalog.element_set(int(row))
    assert elements.intl_designator == "25023A"  # as the TLE writes it
    (segment,) = omm_from_elements(elements).segments
    assert segment.meta("OBJECT_ID") == "2025-023A"
    assert segment.meta("OBJECT_NAME") == "QZS-6 (MICHIBIKI-6)"
    unknown = ElementSet(**{**elements.__dict__, "intl_designator": ""})
    assert omm_from_elements(unknown).segments[0].meta("OBJECT_ID") == "UNKNOWN"
    (back,) = elements_from_omm(omm_from_elements(elements), default_markings=MARK)
    assert back.intl_designator == "2025-023A"


def test_export_names_products_and_counts_orbits(tmp_path: Path, named_states, run_cli) -> None:
    src = write_oem(named_states, tmp_path / "in.oem")
    for fmt in ("oem", "omm"):
        out = tmp_path / f"out.{fmt}"
        result = run_cli(
            "export", "--as", "SSN", "--what", "orbits", "--format", fmt, "--from", str(src),
            "--out", str(out), "--audit", str(tmp_path / "audit.jsonl"),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        expected = {
            "oem": "released 2 of 2 orbits (20 of 20 states)",
            "omm": "released 2 of 2 orbits as element sets (one per object, from 20 states)",
        }
        assert expected[fmt] in result.stdout
        text = out.read_text()
        assert "QZS-6 (MICHIBIKI-6)" in text and "2025-023A" in text and "UNKNOWN" not in text
        check = run_cli("formats", "check", str(out))
        assert check.returncode == 0, check.stderr


# One xdist worker runs these tests (make test: --dist loadgroup): the expensive fixture
# they share is built once, not once per worker.
pytestmark = pytest.mark.xdist_group("tracklets-names")
