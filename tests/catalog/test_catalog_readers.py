"""Catalog readers against independent parsers and the real reference files."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sgp4.api import Satrec

from beltwatch.catalog import (
    Catalog,
    alpha5_to_int,
    format_tle,
    int_to_alpha5,
    load_catalog,
    parse_catalog_text,
)

DEG = np.pi / 180.0


def test_geo_catalog_elements_match_sgp4s_own_tle_parser(geo_latest_path, geo_catalog) -> None:
    lines = geo_latest_path.read_text().splitlines()
    assert len(geo_catalog) == 574
    for i in range(0, len(lines), 3):
        reference = Satrec.twoline2rv(lines[i + 1], lines[i + 2])
        row = int(np.flatnonzero(geo_catalog.norad_id == reference.satnum)[0])
        assert geo_catalog.name[row] == lines[i].strip().removeprefix("0 ").strip()
        assert geo_catalog.inclination_rad[row] == pytest.approx(reference.inclo, abs=1e-15)
        assert geo_catalog.raan_rad[row] == pytest.approx(reference.nodeo, abs=1e-15)
        assert geo_catalog.eccentricity[row] == pytest.approx(reference.ecco, abs=1e-15)
        assert geo_catalog.mean_motion_rad_per_min[row] == pytest.approx(
            reference.no_kozai, rel=1e-15
        )
        assert geo_catalog.bstar[row] == pytest.approx(reference.bstar, rel=1e-12, abs=1e-20)
        epoch = geo_catalog.epoch[row]
        assert (epoch.jd1 - reference.jdsatepoch) + (
            epoch.jd2 - reference.jdsatepochF
        ) == pytest.approx(0, abs=1e-11)


def test_qzs6_is_in_the_geo_catalog(geo_catalog) -> None:
    row = np.flatnonzero(geo_catalog.norad_id == 62876)
    assert row.size == 1
    assert "QZS" in geo_catalog.name[row[0]]
    assert set(geo_catalog.orbit_class()) == {"GEO"}


def test_history_file_has_7_days_of_574_objects(shared_data) -> None:
    history = load_catalog(shared_data / "geo" / "geo-tle-history.tle").catalog
    assert len(history) == 11_099
    assert history.object_ids().size == 574
    latest = history.latest()
    assert len(latest) == 574
    # The newest set of each object is no older than any other set of it.
    for norad in latest.norad_id[:50]:
        sets = history.history(int(norad))
        assert np.all(np.diff(sets.epoch.utc.mjd) >= 0)
        assert sets.epoch[-1] == latest.epoch[np.flatnonzero(latest.norad_id == norad)[0]]
    span_days = (history.epoch.max() - history.epoch.min()).to_value("day")
    assert span_days > 6


def test_active_catalog_from_gp_csv_matches_the_csv_text(shared_data) -> None:
    path = shared_data / "catalog" / "active-gp-2026-07-10.csv"
    result = load_catalog(path)
    assert result.format == "gp-csv"
    catalog = result.catalog
    assert len(catalog) == 15_985
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    for index in (0, 1234, 9999, len(rows) - 1):
        row = rows[index]
        assert catalog.norad_id[index] == int(row["NORAD_CAT_ID"])
        assert catalog.mean_motion_rev_per_day[index] == float(row["MEAN_MOTION"])
        assert catalog.inclination_rad[index] == pytest.approx(
            float(row["INCLINATION"]) * DEG, abs=1e-15
        )
        assert catalog.name[index] == row["OBJECT_NAME"]
    classes = catalog.orbit_class()
    assert (classes == "LEO").sum() > 10_000 and (classes == "GEO").sum() > 400


def test_gp_json_reads_like_the_csv(shared_data, tmp_path) -> None:
    path = shared_data / "catalog" / "active-gp-2026-07-10.csv"
    with path.open() as handle:
        rows = list(csv.DictReader(handle))[:200]
    for row in rows:  # CelesTrak's JSON carries numbers as numbers
        for key in ("MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "BSTAR", "NORAD_CAT_ID"):
            row[key] = float(row[key]) if key != "NORAD_CAT_ID" else int(row[key])
    (tmp_path / "gp.json").write_text(json.dumps(rows))
    from_json = load_catalog(tmp_path / "gp.json")
    assert from_json.format == "gp-json"
    from_csv = parse_catalog_text("\n".join(path.read_text().splitlines()[:201]), "head.csv")
    np.testing.assert_array_equal(from_json.catalog.norad_id, from_csv.catalog.norad_id)
    np.testing.assert_array_equal(
        from_json.catalog.mean_motion_rev_per_day, from_csv.catalog.mean_motion_rev_per_day
    )
    assert np.all(from_json.catalog.epoch == from_csv.catalog.epoch)


@pytest.mark.parametrize("name", ["OMMExample1.txt", "OMMExample2.txt", "OMMExample2.xml"])
def test_ccsds_omm_examples(shared_data, name: str) -> None:
    result = load_catalog(shared_data / "ccsds" / "odm" / "omm" / name)
    assert result.format == "omm"
    catalog = result.catalog
    assert len(catalog) == 1
    assert catalog.norad_id[0] == 23581
    assert catalog.name[0] in ("GOES 9", "GOES-9")  # the XML example spells it GOES-9
    assert catalog.mean_motion_rev_per_day[0] == 1.00273272
    assert catalog.eccentricity[0] == 0.0005013
    assert catalog.epoch[0].utc.isot.startswith("2007-03-05T10:34:41.426")  # day 064 of 2007


def test_alpha5_examples_and_round_trip() -> None:
    assert alpha5_to_int("A0000") == 100_000
    assert alpha5_to_int("B1234") == 111_234
    assert alpha5_to_int("J0001") == 180_001  # I is skipped
    assert alpha5_to_int("P0000") == 230_000  # O is skipped
    assert alpha5_to_int("Z9999") == 339_999
    assert alpha5_to_int("25544") == 25_544
    for number in (0, 5, 99_999, 100_000, 180_001, 229_999, 230_000, 339_999):
        assert alpha5_to_int(int_to_alpha5(number)) == number
    with pytest.raises(ValueError):
        int_to_alpha5(340_000)
    with pytest.raises(ValueError):
        alpha5_to_int("I0000")


def test_alpha5_tle_loads(geo_latest_path) -> None:
    lines = geo_latest_path.read_text().splitlines()[:3]
    from beltwatch.catalog._tle import tle_checksum

    line1 = lines[1][:2] + "T1234" + lines[1][7:68]
    line2 = lines[2][:2] + "T1234" + lines[2][7:68]
    text = "\n".join([lines[0], line1 + str(tle_checksum(line1)), line2 + str(tle_checksum(line2))])
    catalog = parse_catalog_text(text).catalog
    assert catalog.norad_id[0] == 271_234


def test_nine_digit_catalog_numbers_from_omm() -> None:
    record = {
        "OBJECT_NAME": "UCT",
        "NORAD_CAT_ID": "912345678",
        "EPOCH": "2026-05-30T00:00:00",
        "MEAN_MOTION": "1.0027",
        "ECCENTRICITY": "0.0001",
        "INCLINATION": "0.1",
        "RA_OF_ASC_NODE": "10",
        "ARG_OF_PERICENTER": "20",
        "MEAN_ANOMALY": "30",
    }
    catalog = parse_catalog_text(json.dumps([record])).catalog
    assert catalog.norad_id[0] == 912_345_678
    from beltwatch.propagation import Sgp4Propagator

    error, r, _ = Sgp4Propagator(workers=1).propagate_teme(catalog, catalog.epoch)
    assert error[0, 0] == 0 and 42_000 < np.linalg.norm(r[0, 0]) < 42_300


def test_format_tle_round_trip_reproduces_the_lines(geo_latest_path, geo_catalog) -> None:
    """Writing the parsed catalog back gives the original element lines, character for character."""
    original = [x for x in geo_latest_path.read_text().splitlines() if x.startswith(("1 ", "2 "))]
    written = [x for x in format_tle(geo_catalog).splitlines() if x.startswith(("1 ", "2 "))]
    assert len(written) == len(original) == 2 * 574
    mismatches = [(a, b) for a, b in zip(original, written, strict=True) if a.rstrip() != b]
    assert not mismatches, mismatches[:3]


def test_empty_catalog_concatenation_and_selection(geo_catalog) -> None:
    both = Catalog.concatenate([geo_catalog[:3], geo_catalog[10:12]])
    assert len(both) == 5
    np.testing.assert_array_equal(
        both.norad_id, np.r_[geo_catalog.norad_id[:3], geo_catalog.norad_id[10:12]]
    )
    assert len(Catalog.concatenate([])) == 0
