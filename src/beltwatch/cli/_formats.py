"""``beltwatch formats``: check and convert product files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from beltwatch._io import read_text, write_atomic
from beltwatch.cli._contract import output_file
from beltwatch.cli._markings import own_markings
from beltwatch.errors import InputError
from beltwatch.formats import (
    encode_message,
    observations_from_tdm,
    observations_from_udl,
    parse_messages,
    tdm_from_observations,
    udl_json,
)
from beltwatch.sharing import load_policy

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Policy TOML: how plain UDL markings map (default: shipped)."),
]

formats_app = typer.Typer(
    help="Check and convert CCSDS NDM (KVN/XML), UDL-style JSON and B3 files.",
    no_args_is_help=True,
)


def _is_b3(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all(len(line) >= 75 and line[74] == "9" for line in lines)


@formats_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="A product file.")],
    policy: PolicyOption = None,
) -> None:
    """Read any supported message and print its type and counts (exit 2 with the bad line)."""
    text = read_text(file)
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        foreign = load_policy(policy).foreign_markings
        observations = observations_from_udl(_json(text, file), str(file), foreign_markings=foreign)
        typer.echo(f"UDL-JSON observations: {len(observations)}")
        return
    if _is_b3(text):
        count = len([line for line in text.splitlines() if line.strip()])
        typer.echo(f"B3 type 9 observations: {count}")
        return
    for message in parse_messages(text, str(file)):
        counts = ", ".join(f"{k} {v}" for k, v in message.counts().items())
        encoding = "XML" if stripped.startswith("<") else "KVN"
        typer.echo(f"{message.kind} {message.version} ({encoding}): {counts}")


@formats_app.command("convert")
def convert(
    source: Annotated[Path, typer.Argument(help="CCSDS (KVN/XML) or UDL-style JSON file.")],
    to: Annotated[str, typer.Option("--to", help="kvn, xml or udl-json.")],
    out: Annotated[Path, typer.Option("--out", help="Output file.")],
    policy: PolicyOption = None,
    marking: Annotated[
        str | None,
        typer.Option(
            help="Marking for records whose file gives none (a TDM without CLASSIFICATION), "
            "e.g. 'PUBLIC//OWNER USA' (default: refuse unmarked records)."
        ),
    ] = None,
) -> None:
    """Convert between KVN and XML, and between TDM and UDL-style JSON observations."""
    if to not in ("kvn", "xml", "udl-json"):
        raise InputError(f"--to must be kvn, xml or udl-json, got {to!r}", field="to")
    output_file(out, "out")
    rules = load_policy(policy)
    default = own_markings(rules, marking) if marking is not None else None
    text = read_text(source)
    if text.lstrip().startswith("["):
        observations = observations_from_udl(
            _json(text, source), str(source), foreign_markings=rules.foreign_markings
        )
        if to == "udl-json":
            result = udl_json(observations)
        else:
            result = encode_message(_tdms(observations), to)
    else:
        messages = parse_messages(text, str(source))
        if to == "udl-json":
            observations = []
            for number, message in enumerate(messages):
                if message.kind != "TDM":
                    raise InputError(
                        f"only a TDM converts to UDL-style JSON, not a {message.kind}",
                        source=str(source),
                    )
                prefix = f"tdm{number}" if len(messages) > 1 else None
                observations += observations_from_tdm(
                    message, id_prefix=prefix, default_markings=default
                )
            result = udl_json(observations)
        else:
            result = encode_message(messages, to)
    write_atomic(out, result)
    typer.echo(f"wrote {out}")


def _json(text: str, source: Path) -> list:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=str(source), line=exc.lineno) from exc
    if not isinstance(records, list):
        raise InputError("expected a JSON array of observations", source=str(source))
    return records


def _tdms(observations: list) -> list:
    groups: dict = {}
    for obs in observations:
        groups.setdefault(obs.markings, []).append(obs)
    return [tdm_from_observations(group) for group in groups.values()]
