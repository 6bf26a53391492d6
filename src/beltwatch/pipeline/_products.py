"""Products: what each partner of the policy receives, through the one release gate
(:func:`beltwatch.sharing.export`): observations (UDL-style JSON or TDM), orbits (OEM of
our orbit states; OMM of the SGP4 element sets fitted to them), events (events-json),
each release written to the run's audit log. Counts per partner, kind and marking are kept
for the summary and the report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from beltwatch.association import ObservationTable, observations_from_table
from beltwatch.catalog import Catalog
from beltwatch.errors import InputError
from beltwatch.formats import format_marking
from beltwatch.sharing import ElementFit, Policy, export
from beltwatch.values import ElementSet, Event, Markings, Observation, OrbitState

ACTOR = "beltwatch run"


@dataclass(eq=False)
class Products:
    """Per partner: kind -> {"file", "released", "withheld", "by_marking"}."""

    partners: dict[str, dict[str, dict]] = field(default_factory=dict)
    audit_log: Path | None = None
    released: dict[str, dict[str, list]] = field(default_factory=dict)  # partner -> kind -> records
    releases: list[dict] = field(default_factory=list)  # one per export, for the store


def observation_records(
    table: ObservationTable, rows: np.ndarray, ids: np.ndarray, markings: Markings
) -> list[Observation]:
    """Observation records of tagged table rows (norad id set), marked ``markings``."""
    return observations_from_table(table, markings, rows, ids)


def orbit_records(
    states: dict[int, OrbitState], catalog: Catalog, markings: Markings
) -> list[OrbitState]:
    """Our orbits, marked and named from the catalog (new objects: "NEW <number>")."""
    names = {int(n): str(x).strip() for n, x in zip(catalog.norad_id, catalog.name, strict=True)}
    return [
        replace(
            states[n],
            norad_id=n,
            markings=markings,
            object_name=names.get(n) or f"NEW {n}",
        )
        for n in sorted(states)
    ]


@dataclass(frozen=True)
class PrefittedElements(ElementFit):
    """The element sets the orbits stage already fitted to our orbits (one vectorised fit
    over the run's last hours), handed to the OMM encoder instead of one numerical fit
    per record and partner; markings and names are the states' own."""

    sets: Mapping[int, tuple[ElementSet, float]] = field(default_factory=dict)

    def fit(self, states: Sequence[OrbitState]) -> tuple[list[ElementSet], np.ndarray]:
        out, rms = [], []
        for state in states:
            found = self.sets.get(int(state.norad_id or -1))
            if found is None:
                message = f"no element set was fitted to orbit {state.norad_id}"
                raise InputError(message, field="orbits")
            es, r = found
            note = f"SGP4 fit to the orbit over the run: RMS {r:.3f} km"
            out.append(
                replace(es, markings=state.markings, name=state.object_name, comments=(note,))
            )
            rms.append(r)
        return out, np.array(rms)

    def describe(self) -> dict:
        return {"fitted_by": "beltwatch run orbits stage", "span_s": self.span_s,
                "step_s": self.step_s, "force_model": "od_propagator"}  # fmt: skip


def prefitted(sets: Catalog | None, rms_km: Mapping[int, float], span_s: float,
              step_s: float) -> PrefittedElements:  # fmt: skip
    table = {}
    if sets is not None:
        for e in sets.element_sets():
            table[int(e.norad_id)] = (e, float(rms_km.get(int(e.norad_id), float("nan"))))
    return PrefittedElements(span_s=span_s, step_s=step_s, sets=table)


def _marking_text(m: Markings | None) -> str:
    return "unmarked" if m is None else format_marking(m)


def publish_products(
    out_dir: Path,
    policy: Policy,
    partners: tuple[str, ...],
    observations: list[Observation],
    orbits: list[OrbitState],
    element_fit: PrefittedElements,
    events: list[Event],
    observations_format: str,
) -> Products:
    """Export every kind to every partner (see the module docstring)."""
    audit = out_dir / "audit.jsonl"
    products = Products(audit_log=audit)
    plan: list[tuple[str, str, Sequence, str]] = [
        (
            "observations",
            observations_format,
            observations,
            "obs.json" if observations_format == "udl-json" else "obs.tdm",
        ),
        ("orbits", "oem", orbits, "orbits.oem"),
        ("orbits", "omm", [o for o in orbits if o.norad_id in element_fit.sets], "orbits.omm"),
        ("events", "events-json", events, "events.json"),
    ]
    for partner in partners:
        folder = out_dir / "products" / partner
        per: dict[str, dict] = {}
        for kind, fmt, records, name in plan:
            result = export(
                records, kind=kind, partner=partner, fmt=fmt, out=folder / name,
                policy=policy, audit_log=audit, actor=ACTOR, via="python",
                fit=element_fit if fmt == "omm" else None,
            )  # fmt: skip
            by_marking: dict[str, int] = {}
            for r in result.release.records:
                key = _marking_text(getattr(r, "markings", None))
                by_marking[key] = by_marking.get(key, 0) + 1
            if fmt != "omm":  # OMM carries the same orbits as the OEM
                products.released.setdefault(partner, {})[kind] = list(result.release.records)
            products.releases.append({
                "partner": partner, "kind": kind, "fmt": fmt,
                "ids": [d.record_id for d in result.release.decisions if d.released],
                "withheld": result.release.withheld,
                "digest": result.audit_entry.get("sha256"),
                "path": None if result.path is None else str(result.path),
            })  # fmt: skip
            per[f"{kind}:{fmt}"] = {
                "file": None if result.path is None else str(result.path.relative_to(out_dir)),
                "released": len(result.release.records),
                "withheld": result.release.withheld,
                "withheld_because": result.release.withheld_reasons(),
                "by_marking": by_marking,
            }
        products.partners[partner] = per
    return products
