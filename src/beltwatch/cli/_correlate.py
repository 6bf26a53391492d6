"""``beltwatch correlate``: tag observations with catalog objects (or UCT numbers).

Reads UDL-style JSON observations and a catalog (TLE/OMM), correlates every tracklet
(beltwatch.association.correlate) and links UCTs into new objects. By default (``--fit``)
each new object gets a batch least-squares orbit on the numerical propagator (the od
estimator's force model, C_R solved for) and the survey is re-correlated against those
orbits (beltwatch.association.maintain: fragments joined, UCTs absorbed, tracklets
that had fallen in a co-located cataloged neighbour's gate re-tagged), then ambiguous
tracklets are decided by OD orbits of their cataloged candidates
(beltwatch.association.correlate_with_orbits); ``--no-fit``
keeps the two-body linking only (faster, and blind to such cross-tags).
Writes DIR/correlated.json (observation id -> catalog number, Mahalanobis distance
squared), DIR/uct.json (observation id -> UCT number, and the new objects: UCT number,
observation ids, nights, and with ``--fit`` the orbit at the last observation, as in
`beltwatch od`'s orbits.json), DIR/ambiguous.json (observation id -> candidate objects
with d^2), DIR/rejected.json (observation id -> reason) and DIR/observations.json: every
input observation tagged for ``beltwatch od`` (UDL-style JSON: ``satNo`` the catalog
number, or the new object's UCT number; ``uct`` true where neither is known).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from astropy.time import Time
from rich.console import Console

from beltwatch._io import write_atomic
from beltwatch.association import (
    AMBIGUOUS,
    CORRELATED,
    UCT,
    AssociationConfig,
    NewObject,
    ObservationTable,
    correlate,
    correlate_with_orbits,
    link_ucts,
    maintain,
)
from beltwatch.catalog import Catalog, load_catalog
from beltwatch.cli._contract import output_directory, staged_directory
from beltwatch.constants import SECONDS_PER_DAY
from beltwatch.formats import read_udl_observations, write_udl_observations
from beltwatch.orbit_determination import od_propagator, orbit_record
from beltwatch.sharing import load_policy
from beltwatch.timescales import tai_seconds_since_j2000


def new_object_record(obj: NewObject, obs_ids: list[str]) -> dict:
    record: dict = {"object_id": obj.object_id, "nights": obj.nights, "observation_ids": obs_ids}
    if obj.estimate is not None and obj.fitted:
        record["orbit"] = orbit_record(obj.object_id, obj.estimate, started_from="linking")
    return record


def correlate_command(
    obs: Annotated[Path, typer.Option(help="Observations: UDL-style JSON (EO observations).")],
    catalog: Annotated[Path, typer.Option(help="Catalog: TLE/3LE or OMM.")],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    uct_first: Annotated[int, typer.Option(help="First UCT number.")] = 800_000_000,
    uct_last: Annotated[int, typer.Option(help="Last UCT number.")] = 899_999_999,
    gate_probability: Annotated[float, typer.Option(help="Chi-square gate probability.")] = 0.99999,
    fit: Annotated[
        bool,
        typer.Option(
            help="Batch least-squares orbits for new objects and re-correlation against them."
        ),
    ] = True,
    policy: Annotated[
        Path | None,
        typer.Option(help="Policy TOML: how plain UDL markings map (default: shipped)."),
    ] = None,
) -> None:
    """Correlate observations to a catalog; UCTs numbered and linked into new objects."""
    output_directory(out, "out")
    cfg = AssociationConfig(
        gate_probability=gate_probability, uct_first_id=uct_first, uct_last_id=uct_last
    )
    observations = read_udl_observations(obs, foreign_markings=load_policy(policy).foreign_markings)
    cat = load_catalog(catalog).catalog.latest()
    table = ObservationTable.from_observations(observations, cfg.default_sigma_arcsec)
    result = correlate(table, cat, cfg)
    if fit:
        propagator = od_propagator()
        new, _ = link_ucts(result, cfg, propagator=propagator)
        result, new = maintain(result, new, propagator, cfg)
        result, _ = correlate_with_orbits(result, cat, propagator, new, cfg)
    else:
        new, _ = link_ucts(result, cfg)
    tr = result.tracklets
    correlated, uct, ambiguous = {}, {}, {}
    for k in range(0 if tr is None else len(tr)):
        ids = [str(table.obs_id[i]) for i in tr.rows[k, : tr.n_obs[k]]]
        for oid in ids:
            if result.status[k] == CORRELATED:
                correlated[oid] = {
                    "norad_id": int(result.object_id[k]),
                    "d2": round(float(result.d2[k]), 3),
                }
            elif result.status[k] == UCT:
                uct[oid] = int(result.object_id[k])
            elif result.status[k] == AMBIGUOUS:
                ambiguous[oid] = [
                    {"norad_id": c.object_id, "d2": round(c.d2, 3)} for c in result.candidates[k]
                ]
    new_objects = [new_object_record(o, [str(table.obs_id[i]) for i in o.rows]) for o in new]
    rejected = {oid: reason for _, oid, reason in result.rejected}
    new_ids = {oid: rec["object_id"] for rec in new_objects for oid in rec["observation_ids"]}
    tags = {oid: tag["norad_id"] for oid, tag in correlated.items()} | new_ids
    tagged = [replace(o, norad_id=tags.get(o.obs_id)) for o in observations]
    with staged_directory(out) as stage:
        write_atomic(stage / "correlated.json", json.dumps(correlated, indent=1) + "\n")
        write_atomic(
            stage / "uct.json",
            json.dumps({"observations": uct, "new_objects": new_objects}, indent=1) + "\n",
        )
        write_atomic(stage / "ambiguous.json", json.dumps(ambiguous, indent=1) + "\n")
        write_atomic(stage / "rejected.json", json.dumps(rejected, indent=1) + "\n")
        write_udl_observations(tagged, stage / "observations.json")
    console = Console(stderr=True)
    console.print(
        f"{len(correlated)} correlated, {len(uct)} UCT ({len(new_objects)} new objects), "
        f"{len(ambiguous)} ambiguous, {len(rejected)} rejected -> {out} "
        f"(tagged for od: {out / 'observations.json'})",
        highlight=False,
    )
    if observations and not correlated:
        console.print(f"note: {_why_nothing_correlated(observations, cat)}", highlight=False)


def _why_nothing_correlated(observations: list, catalog: Catalog) -> str:
    """A hint for a user whose observations match nothing in the catalog."""
    t_obs = tai_seconds_since_j2000(Time([o.time.utc for o in observations]))
    t_cat = tai_seconds_since_j2000(catalog.epoch)
    gap_days = float(np.min(np.abs(t_cat[:, None] - t_obs[None, [0, -1]]))) / SECONDS_PER_DAY
    return (
        f"no observation matched any of the {len(catalog)} catalog objects; are they "
        f"observations of this catalog's objects (frames simulated from the synthetic "
        f"default population match nothing in a real catalog)? The catalog's nearest epoch "
        f"is {gap_days:.1f} days from the observations."
    )
