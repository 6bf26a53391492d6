"""``beltwatch db upgrade``, ``ingest`` and ``keys`` on both backends, with real TDMs."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from beltwatch.cli import main
from beltwatch.formats import udl_json
from beltwatch.store import head_revision, open_store

TDM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ccsds" / "tdm"
MARKING = "PUBLIC//OWNER USA"


@pytest.fixture(scope="module")
def tdm_dir() -> Path:
    if not (TDM / "tdm_e16.kvn").is_file():
        pytest.skip(f"CCSDS reference TDMs not found at {TDM} (a clone without ../shared)")
    return TDM


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _angles_deg(path: Path) -> list[tuple[float, float]]:
    """(RA, Dec) degrees straight from the file's ANGLE_1/ANGLE_2 lines."""
    values: dict[str, dict[str, float]] = {}
    for match in re.finditer(r"^(ANGLE_[12])\s*=\s*(\S+)\s+(\S+)", path.read_text(), re.M):
        values.setdefault(match.group(2), {})[match.group(1)] = float(match.group(3))
    return [(v["ANGLE_1"], v["ANGLE_2"]) for v in values.values()]


def test_ingest_real_tdms_idempotently(capsys, db_url, tdm_dir) -> None:
    files = [tdm_dir / "tdm_e16.kvn", tdm_dir / "tdm_e22.kvn"]
    args = ["ingest", "--db", db_url, "--marking", MARKING]
    for f in files:
        args += ["--from", str(f)]
    code, out, err = _cli(capsys, *args)
    assert code == 0, err
    expected = sum(len(_angles_deg(f)) for f in files)
    assert expected == 9
    assert f"inserted {expected}, duplicates 0, rejected 0" in out
    with open_store(db_url) as store:
        stored = store.observations().items
    assert len(stored) == expected
    file_angles = sorted(a for f in files for a in _angles_deg(f))
    got = sorted((math.degrees(o.ra_rad), math.degrees(o.dec_rad)) for o in stored)
    # EME2000 -> GCRS frame bias is ~20 mas: 1e-5 deg bounds it
    np.testing.assert_allclose(got, file_angles, atol=1e-5)
    assert {o.markings.owner for o in stored} == {"USA"}
    assert {o.sensor_id for o in stored} == {"TFRM", "SMARTNET-01-A-SUTH"}
    code, out, _ = _cli(capsys, *args)
    assert code == 0 and f"inserted 0, duplicates {expected}, rejected 0" in out


def test_corrupt_file_stores_nothing(capsys, db_url, tdm_dir, tmp_path) -> None:
    text = (tdm_dir / "tdm_e16.kvn").read_text()
    broken = tmp_path / "broken.kvn"
    broken.write_text(text.replace("-16.1876917", "-16.18x6917", 1))
    args = ["ingest", "--db", db_url, "--marking", MARKING]
    code, _, err = _cli(
        capsys, *args, "--from", str(tdm_dir / "tdm_e22.kvn"), "--from", str(broken)
    )
    assert code == 2 and "broken.kvn" in err and len(err.strip().splitlines()) == 1
    with open_store(db_url) as store:
        assert store.counts()["observations"] == 0


def test_unmarked_tdm_is_refused_without_marking(capsys, db_url, tdm_dir) -> None:
    code, _, err = _cli(capsys, "ingest", "--db", db_url, "--from", str(tdm_dir / "tdm_e16.kvn"))
    assert code == 2 and "CLASSIFICATION" in err


def test_ingest_udl_json_and_report_rejections(capsys, db_url, tmp_path, make_observation) -> None:
    given = [make_observation(i) for i in range(12)]
    path = tmp_path / "obs.json"
    path.write_text(udl_json(given))
    code, out, err = _cli(capsys, "ingest", "--db", db_url, "--from", str(path))
    assert code == 0, err
    assert "inserted 12, duplicates 0, rejected 0" in out
    with open_store(db_url) as store:
        stored = {o.obs_id: o for o in store.observations().items}
        # the same id with another payload arrives later: rejected, named, original kept
        first_id = next(iter(stored))
        changed = make_observation(0, obs_id=first_id, dec_rad=stored[first_id].dec_rad + 0.01)
    path2 = tmp_path / "changed.json"
    path2.write_text(udl_json([changed]))
    code, out, _ = _cli(capsys, "ingest", "--db", db_url, "--from", str(path2))
    assert code == 0 and "rejected 1" in out and f"rejected {first_id}: " in out
    assert "dec_rad" in out
    assert len(stored) == 12


def test_db_upgrade_and_keys(capsys, db_url) -> None:
    code, out, _ = _cli(capsys, "db", "upgrade", "--db", db_url)
    assert code == 0 and head_revision() in out
    code, out, _ = _cli(capsys, "db", "upgrade", "--db", db_url)
    assert code == 0 and head_revision() in out
    code, out, _ = _cli(capsys, "keys", "add", "--partner", "jpn_liaison", "--db", db_url)
    assert code == 0
    secret = out.strip().splitlines()[-1]
    key_id = secret.partition(".")[0]
    with open_store(db_url) as store:
        assert store.partner_for_key(secret) == "JPN_LIAISON"
    code, out, _ = _cli(capsys, "keys", "list", "--db", db_url)
    assert code == 0 and key_id in out and "JPN_LIAISON" in out and secret not in out
    assert secret.partition(".")[2] not in out
    code, out, _ = _cli(capsys, "keys", "revoke", key_id, "--db", db_url)
    assert code == 0
    with open_store(db_url) as store:
        assert store.partner_for_key(secret) is None
    code, _, err = _cli(capsys, "keys", "revoke", key_id, "--db", db_url)
    assert code == 2 and key_id in err
    code, _, err = _cli(capsys, "keys", "add", "--partner", "nobody", "--db", db_url)
    assert code == 2 and "unknown partner" in err


def test_unsupported_source_scheme(capsys, tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, _, err = _cli(capsys, "ingest", "--db", db, "--from", "ftp://host/obs.json")
    assert code == 2 and "unsupported source" in err


def test_unreachable_db_is_one_line_exit_2_as_a_user_sees_it(run_cli) -> None:
    result = run_cli("db", "upgrade", "--db", "postgresql://spy:hunter2@127.0.0.1:1/none")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr and "127.0.0.1:1/none" in lines[0]


@pytest.mark.parametrize("url", ["oracle://a@b/c", "sqlite:///no/dir/x.db", "::"])
def test_bad_db_url_is_one_line_exit_2(capsys, url) -> None:
    code, _, err = _cli(capsys, "keys", "list", "--db", url)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "db" in err
