"""``beltwatch od``: orbits from observations (UDL-style JSON or CCSDS TDM), batch LS.

Parses options, calls ``beltwatch.orbit_determination`` (inputs, ``determine_orbits`` with
its consistency gate, ``write_od_outputs``) and prints a summary. Outputs:
DIR/orbits.json (only orbits that pass the gate, each with a ``quality`` block),
DIR/opm, DIR/oem (marked with the policy's combination of the observations' markings),
DIR/residuals/<norad_id>.html and DIR/rejected.json (rejected observations, failed
objects with reason and best RMS, UCT ids); see docs/orbit_determination.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from beltwatch.catalog import load_catalog, object_identities
from beltwatch.cli._contract import output_directory, positive, staged_directory
from beltwatch.orbit_determination import (
    DEFAULT_CR,
    DEFAULT_CR_SIGMA,
    BatchOptions,
    catalog_priors,
    determine_orbits,
    od_propagator,
    read_observations,
    read_orbit_priors,
    write_od_outputs,
)
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.sharing import load_policy
from beltwatch.values import Markings


def od_command(
    obs: Annotated[
        Path, typer.Option(help="Observations: UDL-style JSON (EO observations) or CCSDS TDM.")
    ],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    area_to_mass: Annotated[
        float, typer.Option(help="Assumed area-to-mass ratio for SRP, m^2/kg.")
    ] = 0.01,
    cr: Annotated[float, typer.Option(help="A priori SRP coefficient C_R.")] = DEFAULT_CR,
    cr_sigma: Annotated[
        float, typer.Option(help="1-sigma of the C_R a priori (an object's history wins).")
    ] = DEFAULT_CR_SIGMA,
    estimate_cr: Annotated[
        bool,
        typer.Option(
            help="Solve for the SRP coefficient (effective C_R x A/m); without it the "
            "covariance ignores SRP uncertainty and is too optimistic."
        ),
    ] = True,
    catalog: Annotated[
        Path | None,
        typer.Option(help="Element sets (TLE/OMM/GP) giving starting orbits (else IOD)."),
    ] = None,
    prior: Annotated[
        Path | None,
        typer.Option(
            help="An earlier orbits.json: starting orbits, and its C_R +- sigma as the "
            "C_R a priori (catalog maintenance); wins over --catalog."
        ),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(help="Scenario TOML naming the observers of a TDM (default: shipped)."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="Policy TOML whose levels mark the products (default: shipped)."),
    ] = None,
    oem_hours: Annotated[
        float, typer.Option(help="Span of each OEM after the epoch, hours.")
    ] = 24.0,
    oem_step_s: Annotated[float, typer.Option(help="Step of each OEM, seconds.")] = 600.0,
) -> None:
    """Batch least-squares orbits (GCRS) for every object in an observation file.

    Orbits that fail their own consistency gate are reported in DIR/rejected.json
    (failed_objects, with the reason), never written as orbits. Products are named from
    ``--catalog`` where it knows the object."""
    output_directory(out, "out")
    positive(oem_hours, "oem-hours")
    positive(oem_step_s, "oem-step-s")
    rules = load_policy(policy)
    observations = read_observations(
        obs,
        load_scenario(scenario) if scenario else default_scenario(),
        foreign_markings=rules.foreign_markings,
    )
    priors = catalog_priors(catalog, observations) if catalog else {}
    names = object_identities(load_catalog(catalog).catalog) if catalog else None
    if prior:
        priors.update(read_orbit_priors(prior))
    propagator = od_propagator(area_to_mass, cr)
    options = BatchOptions(estimate_cr=estimate_cr, cr_apriori=cr, cr_apriori_sigma=cr_sigma)
    run = determine_orbits(observations, propagator, options, priors=priors)
    marks: dict[int, list[Markings]] = {}
    for ob in observations:
        if ob.norad_id is not None:
            marks.setdefault(int(ob.norad_id), []).append(ob.markings)
    combined = {norad: rules.combine(marks[norad]) for norad in run.estimates}
    with staged_directory(out) as stage:
        records = write_od_outputs(
            run, combined, propagator, stage, oem_hours, oem_step_s, objects=names
        )
    Console(stderr=True).print(
        f"{len(records)} orbits, {len(run.failed)} objects failed, "
        f"{len(run.rejected)} observations rejected, {len(run.uct)} uncorrelated -> {out}",
        highlight=False,
    )
    for norad, failure in run.failed.items():
        Console(stderr=True).print(f"  {norad}: {failure}", highlight=False)
