"""``beltwatch od --catalog`` names its OPM/OEM products from the catalog (issue 13)."""

from __future__ import annotations

import json

from beltwatch.catalog import object_identities
from beltwatch.formats import read_message, states_from_message, udl_records

from .test_od_cli import _observations


def test_od_products_carry_the_catalog_name_and_designator(
    geo_catalog, geo_latest_path, tmp_path, run_cli
) -> None:
    norad, _, obs = _observations(geo_catalog)
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(udl_records(obs)))
    out = tmp_path / "od"
    result = run_cli("od", "--obs", str(path), "--out", str(out), "--catalog", str(geo_latest_path))
    assert result.returncode == 0, result.stderr
    name, designator = object_identities(geo_catalog)[norad]
    assert name and designator
    for kind in ("opm", "oem"):
        message = read_message(out / kind / f"{norad}.{kind}")
        (segment, *_) = message.segments
        assert segment.meta("OBJECT_NAME") == name
        assert segment.meta("OBJECT_ID") == designator
        state = states_from_message(message)[0]
        assert (state.norad_id, state.object_name, state.intl_designator) == (
            norad, name, designator,
        )  # fmt: skip
