"""Records of one kind from product files (the inputs of an export)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from beltwatch._io import read_text
from beltwatch.errors import InputError
from beltwatch.formats import (
    ForeignMarkings,
    elements_from_omm,
    event_from_cdm,
    observations_from_tdm,
    observations_from_udl,
    parse_messages,
    states_from_message,
)
from beltwatch.values import Event

_SUFFIXES = {
    "observations": (".json", ".tdm", ".xml", ".kvn"),
    "orbits": (".oem", ".opm", ".xml", ".kvn"),
    "element_sets": (".omm", ".xml", ".kvn"),
    "conjunctions": (".cdm", ".xml", ".kvn"),
    "events": (".json",),
}


def _files(paths: Sequence[str | Path], kind: str) -> list[Path]:
    """The files named, with directories expanded to their product files of ``kind``."""
    out: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            out.append(path)
            continue
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES.get(kind, ()))
        if not found:
            raise InputError(
                f"no {kind} files ({', '.join(_SUFFIXES.get(kind, ()))}) in this directory",
                source=str(path),
            )
        out += found
    return out


def load_records(
    paths: Sequence[str | Path], kind: str, *, foreign_markings: ForeignMarkings | None = None
) -> list:
    """Observations (UDL-style JSON or TDM), orbits (OEM/OPM) or conjunctions (CDM) from files,
    or from every such file in a directory (``od``'s opm/ or oem/, sorted by name).

    Every record must carry its marking in the file: nothing unmarked is exported.
    """
    out: list = []
    for path in _files(paths, kind):
        text = read_text(path)
        if kind == "events":
            out += _events(text, path)
            continue
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
            wanted = {
                "observations": ("TDM",),
                "orbits": ("OEM", "OPM"),
                "element_sets": ("OMM",),
                "conjunctions": ("CDM",),
            }
            if message.kind not in wanted[kind]:
                raise InputError(
                    f"a {message.kind} holds no {kind} (expected {'/'.join(wanted[kind])})",
                    source=str(path),
                )
            if kind == "observations":
                out += observations_from_tdm(message)
            elif kind == "orbits":
                out += states_from_message(message)
            elif kind == "element_sets":
                out += elements_from_omm(message)
            else:
                out.append(event_from_cdm(message))
    return out


def _events(text: str, path: Path) -> list[Event]:
    """Events from a JSON list of :meth:`Event.to_dict` records."""
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno) from exc
    if not isinstance(records, list):
        raise InputError("expected a JSON list of events", source=str(path))
    out = []
    for i, record in enumerate(records):
        try:
            out.append(Event.from_dict(record))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not an event ({exc!r})", source=str(path), field=f"[{i}]") from exc
    return out
