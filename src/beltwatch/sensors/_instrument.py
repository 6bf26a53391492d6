"""The instrument behind a sensor, and the registry of instrument kinds.

Every instrument meets :class:`Instrument`; visibility, tasking and coverage use only
that contract. A new kind is one module with its parameters, a pydantic model of its
scenario table and a :func:`register_instrument` call: the scenario loader then
accepts ``kind = "<name>"`` with a ``[sensors.<table>]`` table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel

from beltwatch.errors import InputError


@runtime_checkable
class Instrument(Protocol):
    """What a sensor observes with.

    * ``field_of_view_rad``: (width, height) of one pointing, or None for an instrument
      that tracks one target per pointing (a radar).
    * ``photometric``: whether detection depends on brightness; then
      ``detection_snr(magnitude, angular_rate_rad_s)`` gives the SNR of one look.
    * ``max_range_km``: the instrument's own range limit, or None.
    * ``pointing_dwell_s(frames_per_field)``: time spent on one pointing.
    """

    @property
    def field_of_view_rad(self) -> tuple[float, float] | None: ...

    @property
    def photometric(self) -> bool: ...

    @property
    def max_range_km(self) -> float | None: ...

    def detection_snr(
        self, magnitude: np.ndarray, angular_rate_rad_s: np.ndarray
    ) -> np.ndarray: ...

    def pointing_dwell_s(self, frames_per_field: int) -> float: ...


@dataclass(frozen=True)
class InstrumentKind:
    """A registered instrument kind: the scenario's ``kind`` value, the name of the table
    holding its parameters, the model validating that table and how to build it."""

    name: str
    table: str
    config: type[BaseModel]
    build: Callable[[str, BaseModel], Instrument]


_KINDS: dict[str, InstrumentKind] = {}


def register_instrument(kind: InstrumentKind) -> InstrumentKind:
    """Make ``kind`` available to scenario files (a name may be registered once)."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"instrument kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def instrument_kind(
    name: str, *, source: str = "<scenario>", field: str = "kind"
) -> InstrumentKind:
    """The registered kind called ``name``, or an :class:`InputError` listing the known ones."""
    if name not in _KINDS:
        raise InputError(
            f"unknown sensor kind {name!r} (known: {', '.join(sorted(_KINDS))})",
            source=source,
            field=field,
        )
    return _KINDS[name]


def instrument_kinds() -> tuple[str, ...]:
    """Names of the registered instrument kinds."""
    return tuple(sorted(_KINDS))
