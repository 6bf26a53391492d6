"""The table of product formats a release can be written in.

A format is one :class:`ProductFormat` entry: the record kinds it carries and how it
encodes released records. Adding a format is one module with an ``encode`` function
and a :func:`register_format` call; :func:`~beltwatch.sharing.export`, the CLI and the
service find it here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from beltwatch.errors import InputError
from beltwatch.formats import (
    b3_lines,
    cdm_from_event,
    encode_message,
    oem_from_states,
    omm_from_elements,
    tdm_from_observations,
    udl_json,
)
from beltwatch.sharing._elements import ElementFit
from beltwatch.sharing._policy import Policy
from beltwatch.values import ElementSet, OrbitState


@dataclass(frozen=True)
class EncodeOptions:
    """Everything an encoder may need besides the records.

    ``encoding``: kvn or xml for CCSDS formats; ``fit``: how orbit states become SGP4
    element sets; ``b3_sensor_numbers``: sensor id -> B3 sensor number.
    """

    policy: Policy
    encoding: str = "kvn"
    originator: str = "BELTWATCH"
    fit: ElementFit = field(default_factory=ElementFit)
    b3_sensor_numbers: Mapping[str, int] | None = None


@dataclass(frozen=True)
class ProductFormat:
    """A product format: its name, the record kinds it carries, its encoder.

    ``ccsds``: a CCSDS message (written in ``EncodeOptions.encoding``);
    ``element_sets``: records go out as SGP4 element sets (sanitisation rules whose
    product is an element set apply only to such formats).
    """

    name: str
    kinds: tuple[str, ...]
    encode: Callable[[Sequence, EncodeOptions], str]
    ccsds: bool = False
    element_sets: bool = False


_FORMATS: dict[str, ProductFormat] = {}


def register_format(fmt: ProductFormat) -> ProductFormat:
    """Make ``fmt`` available to every export path (a name may be registered once)."""
    existing = _FORMATS.get(fmt.name)
    if existing is not None and existing != fmt:
        raise ValueError(f"product format {fmt.name!r} is already registered")
    _FORMATS[fmt.name] = fmt
    return fmt


def product_format(name: str, kind: str | None = None) -> ProductFormat:
    """The registered format ``name`` (able to carry ``kind`` when given), or an
    :class:`InputError` naming what is available."""
    fmt = _FORMATS.get(name)
    if fmt is None:
        raise InputError(
            f"unknown format {name!r}; expected one of {', '.join(format_names())}",
            field="format",
        )
    if kind is not None and kind not in fmt.kinds:
        raise InputError(
            f"{kind} export as {name} is not supported; use one of {', '.join(formats_for(kind))}",
            field="format",
        )
    return fmt


def format_names() -> tuple[str, ...]:
    """Every registered format name, in registration order."""
    return tuple(_FORMATS)


def formats_for(kind: str) -> tuple[str, ...]:
    """The registered formats that carry ``kind`` records."""
    return tuple(name for name, fmt in _FORMATS.items() if kind in fmt.kinds)


# -- the built-in formats ------------------------------------------------------------------


def _by_marking(records: Sequence) -> list[list]:
    groups: dict = {}
    for record in records:
        groups.setdefault(record.markings, []).append(record)
    return list(groups.values())


def _tdm(records: Sequence, opts: EncodeOptions) -> str:
    messages = [tdm_from_observations(g, originator=opts.originator) for g in _by_marking(records)]
    return encode_message(messages, opts.encoding) if messages else ""


def _oem(records: Sequence, opts: EncodeOptions) -> str:
    messages = [oem_from_states(g, originator=opts.originator) for g in _by_marking(records)]
    return encode_message(messages, opts.encoding) if messages else ""


def _omm(records: Sequence, opts: EncodeOptions) -> str:
    states = [r for r in records if isinstance(r, OrbitState)]
    fitted = iter(opts.fit.fit(states)[0])
    sets: list[ElementSet] = [next(fitted) if isinstance(r, OrbitState) else r for r in records]
    messages = [
        omm_from_elements(
            e,
            originator=opts.originator,
            classification_type=opts.policy.b3_classification.get(e.markings.level, "U")
            if e.markings is not None
            else "U",
        )
        for e in sets
    ]
    return encode_message(messages, opts.encoding) if messages else ""


def _cdm(records: Sequence, opts: EncodeOptions) -> str:
    messages = [cdm_from_event(e, originator=opts.originator) for e in records]
    return encode_message(messages, opts.encoding) if messages else ""


def _udl(records: Sequence, opts: EncodeOptions) -> str:
    return udl_json(records, source=opts.originator)


def _events_json(records: Sequence, opts: EncodeOptions) -> str:
    return json.dumps([event.to_dict() for event in records], indent=1) + "\n"


def _b3(records: Sequence, opts: EncodeOptions) -> str:
    lines = []
    for record in records:
        letter = opts.policy.b3_classification.get(record.markings.level, "U")
        lines += b3_lines([record], classification=letter, sensor_numbers=opts.b3_sensor_numbers)
    return "".join(line + "\n" for line in lines)


for _fmt in (
    ProductFormat("tdm", ("observations",), _tdm, ccsds=True),
    ProductFormat("oem", ("orbits",), _oem, ccsds=True),
    ProductFormat("omm", ("orbits", "element_sets"), _omm, ccsds=True, element_sets=True),
    ProductFormat("cdm", ("conjunctions",), _cdm, ccsds=True),
    ProductFormat("udl-json", ("observations",), _udl),
    ProductFormat("b3", ("observations",), _b3),
    ProductFormat("events-json", ("events",), _events_json),
):
    register_format(_fmt)
