"""``beltwatch export``: release records to a partner through the policy, audited."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated

import platformdirs
import typer
from rich.console import Console

from beltwatch.cli._contract import output_file
from beltwatch.errors import InputError
from beltwatch.sharing import (
    RECORD_KINDS,
    ElementFit,
    export,
    format_names,
    load_policy,
    load_records,
    product_format,
)

EXIT_NOTHING_RELEASED = 3


def default_audit_log() -> Path:
    """``$BELTWATCH_AUDIT_LOG``, else ``audit.jsonl`` in the user data directory."""
    env = os.environ.get("BELTWATCH_AUDIT_LOG")
    if env:
        return Path(env)
    return platformdirs.user_data_path("beltwatch") / "audit.jsonl"


PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="Policy TOML (default: the shipped example).")
]
AuditOption = Annotated[
    Path | None,
    typer.Option("--audit", help="Audit log (default $BELTWATCH_AUDIT_LOG or user data dir)."),
]


def export_command(
    partner: Annotated[str, typer.Option("--as", help="Partner name from the policy.")],
    what: Annotated[str, typer.Option("--what", help=f"One of {', '.join(RECORD_KINDS)}.")],
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(format_names())}.")],
    out: Annotated[Path, typer.Option("--out", help="Output file.")],
    inputs: Annotated[
        list[Path],
        typer.Option("--from", help="Input file(s): UDL-JSON/TDM, OEM/OPM or CDM (repeat)."),
    ],
    xml: Annotated[bool, typer.Option("--xml", help="CCSDS in XML instead of KVN.")] = False,
    policy: PolicyOption = None,
    audit: AuditOption = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Who releases (default: user).")
    ] = None,
    fit_span_s: Annotated[
        float,
        typer.Option("--fit-span-s", help="OMM: SGP4 fit span before each orbit's epoch (s)."),
    ] = ElementFit.span_s,
    fit_step_s: Annotated[
        float, typer.Option("--fit-step-s", help="OMM: sample step of the SGP4 fit (s).")
    ] = ElementFit.step_s,
    b3_sensor: Annotated[
        list[str] | None,
        typer.Option(
            "--b3-sensor", help="B3: sensor id=number (3 digits), e.g. qzs6-wfc=501 (repeat)."
        ),
    ] = None,
) -> None:
    """Write what PARTNER may receive, sanitised where the policy says, and audit it.

    Exit code 3 (and no file) when the policy releases none of the records; what was
    withheld, and why, is printed either way."""
    output_file(out, "out")
    rules = load_policy(policy)
    rules.partner(partner.upper())  # an unknown partner is an error before any work
    numbers = _sensor_numbers(b3_sensor or [])
    records = load_records(inputs, what, foreign_markings=rules.foreign_markings)
    result = export(
        records,
        kind=what,
        partner=partner,
        fmt=fmt,
        out=out,
        policy=rules,
        audit_log=audit or default_audit_log(),
        actor=actor or getpass.getuser(),
        encoding="xml" if xml else "kvn",
        via="cli",
        fit=ElementFit(fit_span_s, fit_step_s),
        b3_sensor_numbers=numbers,
    )
    used: dict[str, int] = {}
    for decision in result.release.decisions:
        if decision.released:
            used[decision.rule or ""] = used.get(decision.rule or "", 0) + 1
    detail = ", ".join(f"{rule} {n}" for rule, n in used.items()) or "none"
    written = f"wrote {result.path}" if result.path is not None else "wrote nothing"
    typer.echo(
        f"released {_amount(result.release.records, records, what, fmt)} to "
        f"{result.release.partner} ({detail}); withheld {result.release.withheld}; "
        f"{written}; audit seq {result.audit_entry['seq']}"
    )
    for reason, count in result.release.withheld_reasons().items():
        typer.echo(f"  withheld {count}: {reason}")
    if result.path is None:
        Console(stderr=True).print(
            f"nothing in the input may be released to {result.release.partner}: no product"
        )
        sys.exit(EXIT_NOTHING_RELEASED)


def _amount(released: list, given: list, what: str, fmt: str) -> str:
    """ "3 of 5 orbits (145 of 240 states)": orbits count objects, not ephemeris points;
    as element sets, one per object ("3 of 5 orbits as element sets, from 240 states")."""
    if what != "orbits":
        return f"{len(released)} of {len(given)} {what}"

    def objects(records: list) -> int:
        return len({r.norad_id if r.norad_id is not None else id(r) for r in records})

    if product_format(fmt).element_sets:
        return (
            f"{objects(released)} of {objects(given)} orbits as element sets "
            f"(one per object, from {len(given)} states)"
        )
    return (
        f"{objects(released)} of {objects(given)} orbits ({len(released)} of {len(given)} states)"
    )


def _sensor_numbers(pairs: list[str]) -> dict[str, int]:
    """``id=number`` pairs as a mapping (B3 sensor numbers are 1-999)."""
    out: dict[str, int] = {}
    for pair in pairs:
        sensor_id, _, number = pair.partition("=")
        if not sensor_id or not number.isdigit() or not 0 < int(number) < 1000:
            raise InputError(f"expected sensor-id=number (1-999), got {pair!r}", field="b3-sensor")
        out[sensor_id] = int(number)
    return out
