"""Records of one kind from product files (the inputs of an export)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from beltwatch._io import read_text
from beltwatch.errors import InputError
from beltwatch.formats import (
    ForeignMarkings,
    event_from_cdm,
    observations_from_tdm,
    observations_from_udl,
    parse_messages,
    states_from_message,
)


def load_records(
    paths: Sequence[str | Path], kind: str, *, foreign_markings: ForeignMarkings | None = None
) -> list:
    """Observations (UDL-style JSON or TDM), orbits (OEM/OPM) or conjunctions (CDM) from files.

    Every record must carry its marking in the file: nothing unmarked is exported.
    """
    out: list = []
    for path in paths:
        text = read_text(path)
        if text.lstrip().startswith("["):
            if kind != "observations":
                raise InputError(f"JSON holds observations, not {kind}", source=str(path))
            try:
                records = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno
                ) from exc
            out += observations_from_udl(records, str(path), foreign_markings=foreign_markings)
            continue
        for message in parse_messages(text, str(path)):
            wanted = {"observations": ("TDM",), "orbits": ("OEM", "OPM"), "conjunctions": ("CDM",)}
            if message.kind not in wanted[kind]:
                raise InputError(
                    f"a {message.kind} holds no {kind} (expected {'/'.join(wanted[kind])})",
                    source=str(path),
                )
            if kind == "observations":
                out += observations_from_tdm(message)
            elif kind == "orbits":
                out += states_from_message(message)
            else:
                out.append(event_from_cdm(message))
    return out
