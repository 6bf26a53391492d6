"""Load a catalog file of any supported format, strictly or skipping bad records."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from beltwatch._io import read_text
from beltwatch.catalog._catalog import Catalog
from beltwatch.catalog._omm import iter_gp_csv, iter_gp_json
from beltwatch.catalog._tle import iter_tle_records, parse_tle_pair
from beltwatch.errors import InputError
from beltwatch.formats import element_set_from_keywords, looks_like_ccsds_omm, omm_keyword_records
from beltwatch.values import ElementSet

T = TypeVar("T")


@dataclass(frozen=True)
class LoadResult:
    """A loaded catalog, what format it came in, and the records that were skipped (with why)."""

    catalog: Catalog
    format: str
    source: str
    rejected: list[InputError] = field(default_factory=list)


def detect_format(text: str) -> str:
    """One of 'gp-json', 'omm', 'gp-csv', 'tle' from the content."""
    head = text.lstrip()
    if head.startswith(("[", "{")):
        return "gp-json"
    if looks_like_ccsds_omm(text):
        return "omm"
    first_line = head.splitlines()[0] if head else ""
    if "," in first_line and "MEAN_MOTION" in first_line.upper():
        return "gp-csv"
    return "tle"


def _collect(
    records: Iterable[T | InputError], to_set: Callable[[T], ElementSet], skip_bad: bool
) -> tuple[Catalog, list[InputError]]:
    """Convert records to element sets; a bad one raises, or with ``skip_bad`` is set aside."""
    sets: list[ElementSet] = []
    rejected: list[InputError] = []
    for record in records:
        try:
            if isinstance(record, InputError):
                raise record
            sets.append(to_set(record))
        except InputError as exc:
            if not skip_bad:
                raise
            rejected.append(exc)
    return Catalog.from_element_sets(sets), rejected


def parse_catalog_text(text: str, source: str = "<text>", *, skip_bad: bool = False) -> LoadResult:
    """Parse catalog text; with ``skip_bad`` bad records are reported instead of raised."""
    if not text.strip():
        raise InputError(
            "empty catalog: expected TLE/3LE, OMM (KVN/XML) or GP JSON/CSV", source=source
        )
    kind = detect_format(text)
    if kind == "tle":
        catalog, rejected = _collect(
            iter_tle_records(text.splitlines(), source),
            lambda r: parse_tle_pair(r[1], r[2], r[3], source=source, lineno=r[0]),
            skip_bad,
        )
    else:
        reader = {"gp-json": iter_gp_json, "gp-csv": iter_gp_csv, "omm": omm_keyword_records}[kind]
        catalog, rejected = _collect(
            reader(text, source), lambda r: element_set_from_keywords(r[0], source, r[1]), skip_bad
        )
    if len(catalog) == 0 and not rejected:
        raise InputError(f"no element sets found ({kind})", source=source)
    return LoadResult(catalog=catalog, format=kind, source=source, rejected=rejected)


def load_catalog(path: str | Path, *, skip_bad: bool = False) -> LoadResult:
    """Read a catalog file (TLE/3LE, CelesTrak GP JSON or CSV, CCSDS OMM KVN/XML)."""
    text = read_text(path, "a text catalog (TLE/3LE, OMM, GP JSON/CSV)")
    if not text.strip():
        raise InputError(
            "empty file: expected TLE/3LE, OMM (KVN/XML) or GP JSON/CSV", source=str(path)
        )
    return parse_catalog_text(text, str(path), skip_bad=skip_bad)
