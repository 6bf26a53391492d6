"""``beltwatch od``: orbits from observations (UDL-style JSON or CCSDS TDM), batch LS.

Writes DIR/orbits.json (one record per object: epoch = last observation time, GCRS
state, 6x6 covariance in km and km/s, RMS, counts, C_R, markings), per object a CCSDS
OPM (state and covariance at epoch) and OEM (the predicted trajectory) under DIR/opm and
DIR/oem, marked with the combination of its observations' markings (the policy's
``combine``: the highest level, releasable only where every input is), DIR/rejected.json
(observation id -> reason, objects that failed and why, UCT observation ids) and a
residual plot per object (DIR/residuals/<norad_id>.svg). A TDM carries no observer
state: each segment's PARTICIPANT_1 is looked up in the scenario (a sensor, host or
site id); rows of unknown observers are rejected with that reason. Catalog
maintenance: ``--catalog`` (element sets) and ``--prior`` (an earlier orbits.json, whose
C_R and sigma become the C_R a priori) give starting orbits; others start from IOD.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from astropy.time import TimeDelta
from rich.console import Console

from beltwatch._io import write_atomic
from beltwatch.catalog import load_catalog, object_identities
from beltwatch.cli._od_inputs import catalog_priors, read_observations, read_orbit_priors
from beltwatch.constants import ARCSEC_RAD
from beltwatch.formats import (
    ObjectIdentity,
    format_marking,
    oem_from_states,
    opm_from_state,
    write_message,
)
from beltwatch.orbit_determination import (
    BatchOptions,
    OrbitEstimate,
    determine_orbits,
    propagator_with_cr,
)
from beltwatch.propagation import (
    ForceModel,
    NumericalPropagator,
)
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.sharing import load_policy
from beltwatch.timescales import format_utc, time_grid
from beltwatch.values import Markings, OrbitState


def od_propagator(area_to_mass_m2_kg: float = 0.01, cr: float = 1.3) -> NumericalPropagator:
    """The estimator: Earth gravity 4x4 (zonal and tesseral), Sun, Moon, cannonball SRP
    with the assumed area-to-mass and C_R, integrated tightly enough for 1-arcsec data."""
    forces = ForceModel.geo_default(area_to_mass_m2_kg, cr)
    return NumericalPropagator(forces, rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9)


def orbit_record(
    norad: int, est: OrbitEstimate, started_from: str = "iod", markings: Markings | None = None
) -> dict:
    return {
        "norad_id": norad,
        "epoch_utc": format_utc(est.epoch),
        "frame": est.frame.upper(),
        "position_km": est.position_km.tolist(),
        "velocity_km_s": est.velocity_km_s.tolist(),
        "covariance": est.covariance.tolist(),
        "rms_arcsec": round(est.rms_arcsec, 4),
        "n_obs_used": est.n_used,
        "n_obs_rejected": est.n_rejected,
        "cr": None if est.cr is None else round(float(est.cr), 4),
        "cr_sigma": None if est.cr_sigma is None else round(float(est.cr_sigma), 4),
        "started_from": started_from,
        "markings": None if markings is None else format_marking(markings),
    }


def orbit_products(
    norad: int,
    est: OrbitEstimate,
    markings: Markings,
    propagator: NumericalPropagator,
    out: Path,
    hours: float,
    step_s: float,
    objects: dict[int, ObjectIdentity] | None = None,
) -> None:
    """DIR/opm/<norad>.opm (state and covariance at epoch) and DIR/oem/<norad>.oem (the
    predicted trajectory over ``hours`` after the epoch, every ``step_s``), both marked,
    naming the object from ``objects`` (the catalog) where it is known."""
    state = OrbitState(
        est.epoch.utc,
        est.position_km,
        est.velocity_km_s,
        "gcrs",
        est.covariance,
        norad,
        markings,
    )
    write_message(opm_from_state(state, objects=objects), out / "opm" / f"{norad}.opm", "kvn")
    start = est.epoch.utc
    times = time_grid(start, start + TimeDelta(hours * 3600.0, format="sec"), step_s)
    prop = propagator if est.cr is None else propagator_with_cr(propagator, [est.cr])
    states, _ = prop.propagate(est.epoch, est.state[None], times)
    trajectory = [
        OrbitState(times[k], states[0, k, :3], states[0, k, 3:], "gcrs", None, norad, markings)
        for k in range(len(times))
    ]
    oem = oem_from_states(trajectory, objects=objects)
    write_message(oem, out / "oem" / f"{norad}.oem", "kvn")


def residual_svg(norad: int, hours: np.ndarray, res_arcsec: np.ndarray, used: np.ndarray) -> str:
    """A small self-contained SVG: RA cos Dec (blue) and Dec (red) residuals vs time."""
    w, h, pad = 640, 320, 40
    t_span = max(float(np.ptp(hours)), 1e-6)
    lim = max(float(np.nanmax(np.abs(res_arcsec[used]))) if used.any() else 1.0, 1.0) * 1.1

    def xy(t: float, r: float) -> tuple[float, float]:
        x = pad + (t - hours.min()) / t_span * (w - 2 * pad)
        y = h / 2 - np.clip(r, -lim, lim) / lim * (h / 2 - pad)
        return x, y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">',
        f'<text x="{pad}" y="20" font-size="13">{norad}: residuals (arcsec, +-{lim:.2f}) vs '
        f"hours; blue RA cos Dec, red Dec, hollow = rejected</text>",
        f'<line x1="{pad}" y1="{h / 2}" x2="{w - pad}" y2="{h / 2}" stroke="#888"/>',
    ]
    for col, colour in ((0, "#1f77b4"), (1, "#d62728")):
        for t, r, kept in zip(hours, res_arcsec[:, col], used, strict=True):
            x, y = xy(float(t), float(r))
            fill = colour if kept else "none"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}" stroke="{colour}"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def od_command(
    obs: Annotated[
        Path, typer.Option(help="Observations: UDL-style JSON (EO observations) or CCSDS TDM.")
    ],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    area_to_mass: Annotated[
        float, typer.Option(help="Assumed area-to-mass ratio for SRP, m^2/kg.")
    ] = 0.01,
    cr: Annotated[float, typer.Option(help="Assumed (a priori) SRP coefficient.")] = 1.3,
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
    """Batch least-squares orbits (GCRS) for every object in an observation file."""
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
    run = determine_orbits(
        observations, propagator, BatchOptions(estimate_cr=estimate_cr), priors=priors
    )
    marks: dict[int, list[Markings]] = {}
    for ob in observations:
        if ob.norad_id is not None:
            marks.setdefault(int(ob.norad_id), []).append(ob.markings)
    records = []
    for norad, est in run.estimates.items():
        markings = rules.combine(marks[norad])
        records.append(orbit_record(norad, est, run.started_from[norad], markings))
        orbit_products(norad, est, markings, propagator, out, oem_hours, oem_step_s, names)
        meas = run.measurements[norad]
        hours = (meas.times - meas.times[0]).to_value("hr")
        svg = residual_svg(norad, np.atleast_1d(hours), est.residuals[:, :2] / ARCSEC_RAD, est.used)
        write_atomic(out / "residuals" / f"{norad}.svg", svg)
    write_atomic(out / "orbits.json", json.dumps(records, indent=1) + "\n")
    report = {
        "rejected_observations": run.rejected,
        "failed_objects": {str(k): v for k, v in run.failed.items()},
        "uct_observation_ids": [o.obs_id for o in run.uct],
        "reordered_observations": run.reordered,
    }
    write_atomic(out / "rejected.json", json.dumps(report, indent=1) + "\n")
    Console(stderr=True).print(
        f"{len(records)} orbits, {len(run.failed)} objects failed, "
        f"{len(run.rejected)} observations rejected, {len(run.uct)} uncorrelated -> {out}",
        highlight=False,
    )
