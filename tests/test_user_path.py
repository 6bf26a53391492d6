"""The path a user walks, as README.md writes it, on the real GEO catalog:
simulate frames from it -> process -> correlate -> od -> export to every partner ->
audit verify. Each step's output must feed the next; each partner's product is
non-empty where the policy allows and absent with a stated reason where it does not.

The commands run as a user runs them (separate processes, exit codes, files)."""

from __future__ import annotations

import json
import re

import pytest

from beltwatch.sharing import load_policy

PARTNERS = ("SSN", "COMBINED_OPS", "MN_CELL", "JPN_LIAISON", "GLOBAL_SENTINEL")


@pytest.fixture(scope="module")
def chain(tmp_path_factory, geo_latest_path, run_cli_module) -> dict:
    """Run the README chain once; every test below reads its results."""
    work = tmp_path_factory.mktemp("user-path")
    tle = str(geo_latest_path)
    steps = {}

    def step(name: str, *args: str) -> None:
        result = run_cli_module(*args, cwd=work, timeout=900)
        steps[name] = result
        assert result.returncode == 0, f"{name}: exit {result.returncode}\n{result.stderr}"
        assert "Traceback" not in result.stderr, result.stderr

    step("simulate", "simulate", "frames", "--catalog", tle, "--minutes", "1.5", "--out", "frames")
    step("process", "process", "frames", "--out", "obs.json")
    step("correlate", "correlate", "--obs", "obs.json", "--catalog", tle, "--out", "corr")
    step("od", "od", "--obs", "corr/observations.json", "--catalog", tle, "--out", "od")
    exports = {}
    for partner in PARTNERS:
        for what, fmt, source in (
            ("observations", "tdm", "obs.json"),
            ("orbits", "omm", "od/opm"),
        ):
            name = f"{partner}.{fmt}"
            exports[name] = run_cli_module(
                "export", "--as", partner, "--what", what, "--format", fmt, "--from", source,
                "--out", name, "--audit", "audit.jsonl", cwd=work, timeout=900,
            )  # fmt: skip
    steps["exports"] = exports
    step("audit", "audit", "verify", "--audit", "audit.jsonl")
    return {"dir": work, "steps": steps}


def test_frames_feed_process_and_observations_carry_the_policys_own_markings(chain):
    work = chain["dir"]
    frames = sorted((work / "frames").glob("*.fits"))
    assert len(frames) >= 10
    records = json.loads((work / "obs.json").read_text())
    own = load_policy().own_markings
    assert len(records) > 50
    assert {r["classificationMarking"] for r in records} == {
        f"{own.level}//OWNER {own.owner}//REL TO {','.join(sorted(own.releasable_to))}"
    }


def test_correlate_tags_observations_that_od_reads(chain):
    work = chain["dir"]
    tagged = json.loads((work / "corr" / "observations.json").read_text())
    correlated = [r for r in tagged if r.get("satNo")]
    assert len(correlated) >= 0.8 * len(tagged)  # a real catalog: most observations tag
    orbits = json.loads((work / "od" / "orbits.json").read_text())
    rejected = json.loads((work / "od" / "rejected.json").read_text())
    # Every tagged object is an orbit or a failure with a reason: nothing is lost silently.
    objects = {r["satNo"] for r in correlated}
    assert objects == {o["norad_id"] for o in orbits} | {int(k) for k in rejected["failed_objects"]}
    assert orbits, "a catalog prior plus one tracklet gives an updated orbit"
    for orbit in orbits:
        assert orbit["started_from"].startswith("catalog")
    for reason in rejected["failed_objects"].values():
        assert reason.strip()
    opm = (work / "od" / "opm" / f"{orbits[0]['norad_id']}.opm").read_text()
    assert re.search(r"OBJECT_NAME\s*=\s*(?!NORAD)\S", opm), "products are named from the catalog"


@pytest.mark.parametrize("partner", PARTNERS)
def test_each_partner_gets_exactly_what_the_policy_allows(chain, partner):
    work = chain["dir"]
    policy = load_policy()
    own = policy.own_markings
    for fmt in ("tdm", "omm"):
        result = chain["steps"]["exports"][f"{partner}.{fmt}"]
        product = work / f"{partner}.{fmt}"
        # Directly releasable, or through a sanitisation rule for this partner and format.
        direct = policy.releasable(own, partner)
        rules = [
            r
            for r in policy.rules
            if partner in r.partners
            and r.kind == ("observations" if fmt == "tdm" else "orbits")
            and own.level in r.from_levels
            and (fmt == "omm" or not r.sgp4_elements)
        ]
        if direct or rules:
            assert result.returncode == 0, result.stderr
            assert product.exists() and product.stat().st_size > 0
            assert "withheld 0" in result.stdout
        else:
            assert result.returncode == 3, result.stdout + result.stderr
            assert not product.exists()
            assert re.search(r"withheld \d+: .+", result.stdout), "the reason is stated"


def test_the_audit_log_holds_every_release_and_verifies(chain):
    work = chain["dir"]
    entries = [json.loads(x) for x in (work / "audit.jsonl").read_text().splitlines()]
    assert len(entries) == 2 * len(PARTNERS)
    assert "chain intact" in chain["steps"]["audit"].stdout


# One xdist worker runs these tests (make test: --dist loadgroup): the expensive fixture
# they share is built once, not once per worker.
pytestmark = pytest.mark.xdist_group("user-path")
