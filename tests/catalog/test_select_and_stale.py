"""Object selection, COSPAR designators and stale element sets on the real GEO catalog."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.catalog import (
    STALE_AFTER_DAYS,
    object_identities,
    select_objects,
    stale_element_sets,
)
from beltwatch.errors import InputError
from beltwatch.identifiers import cospar_designator
from beltwatch.timescales import parse_utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25023A", "2025-023A"),
        ("98067ABC", "1998-067ABC"),
        ("57001B", "1957-001B"),
        ("56001B", "2056-001B"),
        (" 2006-051a ", "2006-051A"),
        ("", ""),
        ("not one", "not one"),
    ],
)
def test_cospar_designator(text: str, expected: str) -> None:
    assert cospar_designator(text) == expected


def test_select_keeps_catalog_order_and_names_every_miss(geo_catalog) -> None:
    chosen = select_objects(geo_catalog, ["62876", "badr-4", "qzs-6"])
    assert chosen.norad_id.tolist() == sorted(chosen.norad_id.tolist()) == [29526, 62876]
    with pytest.raises(InputError) as info:
        select_objects(geo_catalog, ["62876", "zzz", "123"], source="geo.tle")
    assert info.value.field == "object" and "'zzz', '123'" in str(info.value)
    assert "'62876'" not in str(info.value)


def test_identities_come_from_the_newest_set(geo_catalog) -> None:
    names = object_identities(geo_catalog)
    assert len(names) == 574
    assert names[62876] == ("QZS-6 (MICHIBIKI-6)", "2025-023A")


def test_stale_element_sets_both_sides(geo_catalog) -> None:
    at = geo_catalog.epoch.max() + TimeDelta(1.0, format="jd")
    ages = (at - geo_catalog.epoch).to_value("day")
    stale = stale_element_sets(geo_catalog, at)
    assert stale is not None and stale.count == int(np.sum(ages > STALE_AFTER_DAYS)) == 4
    worst = int(np.argmax(ages))
    assert stale.furthest_norad_id == int(geo_catalog.norad_id[worst]) == 44709
    assert stale.furthest_days == pytest.approx(ages[worst])
    assert "4 of 574" in stale.message() and "44709 BEIDOU-3 IGSO-3" in stale.message()
    # epochs span 2026-05-16T19:27 .. 05-30T17:53: the middle is within 7 days of both
    assert stale_element_sets(geo_catalog, parse_utc("2026-05-23T18:40:00Z")) is None
    before = stale_element_sets(geo_catalog, parse_utc("2026-05-01T00:00:00Z"))
    assert before is not None and before.count == 574 and "after" in before.message()
