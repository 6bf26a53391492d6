"""Picking objects out of a catalog by number or name, and spotting stale element sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from astropy.time import Time

from beltwatch.catalog._catalog import Catalog
from beltwatch.errors import InputError
from beltwatch.formats import ObjectIdentity
from beltwatch.identifiers import cospar_designator
from beltwatch.timescales import format_utc

# GEO element sets age fast: station-keeping burns every few weeks and unmodelled
# solar pressure make a week-old set kilometres off. Propagating a set further than
# this from its epoch earns a warning (docs/catalogs.md).
STALE_AFTER_DAYS = 7.0


def object_rows(catalog: Catalog, query: str) -> np.ndarray:
    """Mask of the rows ``query`` names: a catalog number (digits), else an international
    designator (``2025-023A`` or ``25023A``) or a name equal to it (case-insensitive),
    else names containing it."""
    text = query.strip()
    if text.isdigit():
        return catalog.norad_id == int(text)
    folded = text.casefold()
    names = np.array([str(n).strip().casefold() for n in catalog.name], dtype=object)
    designators = np.array([cospar_designator(str(d)) for d in catalog.intl_designator])
    exact = (names == folded) | (designators == cospar_designator(text))
    if exact.any() or not folded:
        return exact
    return np.array([folded in n for n in names], dtype=bool)


def select_objects(catalog: Catalog, queries: Sequence[str], source: str | None = None) -> Catalog:
    """Rows (in catalog order) of every object one of ``queries`` names (see
    :func:`object_rows`); an :class:`InputError` lists the queries that name nothing."""
    keep = np.zeros(len(catalog), dtype=bool)
    missing = []
    for query in queries:
        rows = object_rows(catalog, query)
        if not rows.any():
            missing.append(query)
        keep |= rows
    if missing:
        listed = ", ".join(repr(q) for q in missing)
        raise InputError(
            f"no object with catalog number or name {listed} "
            f"(a number matches exactly, a name case-insensitively, whole or in part)",
            source=source,
            field="object",
        )
    return catalog[keep]


def object_identities(catalog: Catalog) -> dict[int, ObjectIdentity]:
    """Catalog number -> (name, international designator in COSPAR form) of every object,
    from its newest element set: what CCSDS products write as OBJECT_NAME and OBJECT_ID."""
    latest = catalog.latest()
    return {
        int(n): ObjectIdentity(str(name).strip(), cospar_designator(str(designator)))
        for n, name, designator in zip(
            latest.norad_id, latest.name, latest.intl_designator, strict=True
        )
    }


@dataclass(frozen=True, eq=False)
class StaleSets:
    """Element sets more than ``limit_days`` from ``at`` (either side), and the furthest."""

    count: int
    total: int
    limit_days: float
    at: Time
    furthest_norad_id: int
    furthest_name: str
    furthest_epoch: Time
    furthest_days: float  # positive: epoch before ``at``

    def message(self) -> str:
        """One line for a warning."""
        side = "before" if self.furthest_days >= 0 else "after"
        name = f" {self.furthest_name}" if self.furthest_name else ""
        return (
            f"{self.count} of {self.total} element sets are more than {self.limit_days:g} days "
            f"from {format_utc(self.at)}; furthest: {self.furthest_norad_id}{name}, epoch "
            f"{format_utc(self.furthest_epoch)}, {abs(self.furthest_days):.1f} days {side} "
            f"(GEO element sets age fast: get fresh ones, e.g. beltwatch catalog fetch)"
        )


def stale_element_sets(
    catalog: Catalog, at: Time, limit_days: float = STALE_AFTER_DAYS
) -> StaleSets | None:
    """The element sets whose epochs lie more than ``limit_days`` from ``at``, or None."""
    if not len(catalog):
        return None
    days = np.asarray((at - catalog.epoch).to_value("day"), dtype=float)
    stale = np.abs(days) > limit_days
    if not stale.any():
        return None
    worst = int(np.argmax(np.abs(days)))
    return StaleSets(
        count=int(stale.sum()),
        total=len(catalog),
        limit_days=limit_days,
        at=at,
        furthest_norad_id=int(catalog.norad_id[worst]),
        furthest_name=str(catalog.name[worst]).strip(),
        furthest_epoch=catalog.epoch[worst],
        furthest_days=float(days[worst]),
    )
