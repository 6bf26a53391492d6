"""Protected assets: which catalog rows a screening or proximity watch protects."""

from __future__ import annotations

import numpy as np

from beltwatch.catalog import Catalog
from beltwatch.errors import InputError

# The hosts of the hosted payload (QZS-6, NORAD 62876; QZS-7 has no public element set).
HOST_NORAD_IDS = (62876,)
QZSS_NAME_PREFIX = "QZS"


def default_assets(catalog: Catalog) -> np.ndarray:
    """Rows of the QZSS satellites in the catalog (by name), the hosts first."""
    names = np.array([str(n).strip().upper() for n in catalog.name])
    rows = np.flatnonzero(np.char.startswith(names.astype(str), QZSS_NAME_PREFIX))
    hosts = [r for h in HOST_NORAD_IDS for r in rows if catalog.norad_id[r] == h]
    others = sorted((r for r in rows if r not in hosts), key=lambda r: catalog.norad_id[r])
    return np.array([*hosts, *others], dtype=np.int64)


def asset_rows(catalog: Catalog, spec: str | None) -> np.ndarray | None:
    """Rows named by ``spec``: comma-separated NORAD ids, ``qzss`` (the default), or ``all``
    (None: screen everything against everything)."""
    text = (spec or "qzss").strip().lower()
    if text == "all":
        return None
    if text == "qzss":
        rows = default_assets(catalog)
        if not rows.size:
            raise InputError(
                "no QZSS satellite in the catalog: name assets with --assets ID,ID or use "
                "--assets all",
                field="assets",
            )
        return rows
    chosen: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise InputError(f"expected NORAD ids, 'qzss' or 'all', got {part!r}", field="assets")
        found = np.flatnonzero(catalog.norad_id == int(part))
        if not found.size:
            raise InputError(f"NORAD {part} is not in the catalog", field="assets")
        chosen.append(int(found[-1]))
    return np.array(chosen, dtype=np.int64)
