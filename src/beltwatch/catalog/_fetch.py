"""CelesTrak GP client: fetch a group as OMM JSON, cache it in the user's data directory."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import platformdirs

from beltwatch._io import write_atomic
from beltwatch.catalog._load import LoadResult, parse_catalog_text
from beltwatch.errors import BeltwatchError, InputError

CELESTRAK_BASE_URL = "https://celestrak.org"


def default_cache_dir() -> Path:
    return Path(platformdirs.user_data_dir("beltwatch")) / "celestrak"


@dataclass
class CelestrakClient:
    """GP data by group (e.g. 'geo', 'active'); cached copies younger than ``max_age_s`` are reused.

    CelesTrak updates GP data every few hours and asks clients not to re-fetch unchanged data.
    """

    base_url: str = CELESTRAK_BASE_URL
    cache_dir: Path = field(default_factory=default_cache_dir)
    max_age_s: float = 2 * 3600.0
    timeout_s: float = 30.0

    def cache_path(self, group: str) -> Path:
        return self.cache_dir / f"gp-{group}.json"

    def fetch_group(self, group: str, *, force: bool = False) -> tuple[LoadResult, Path, bool]:
        """(catalog, cache file, whether the network was used)."""
        if not group.replace("-", "").isalnum():
            raise InputError(f"group name must be alphanumeric, got {group!r}", field="group")
        cached = self.cache_path(group)
        if not force and cached.exists() and time.time() - cached.stat().st_mtime < self.max_age_s:
            return parse_catalog_text(cached.read_text(), str(cached)), cached, False
        url = f"{self.base_url.rstrip('/')}/NORAD/elements/gp.php"
        try:
            response = httpx.get(
                url, params={"GROUP": group, "FORMAT": "json"}, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            raise BeltwatchError(f"CelesTrak request to {url} failed: {exc}") from exc
        if response.status_code != 200:
            raise BeltwatchError(
                f"CelesTrak answered HTTP {response.status_code} for group {group!r}"
            )
        text = response.text
        if text.strip().lower().startswith("invalid query") or text.strip() == "":
            raise BeltwatchError(f"CelesTrak has no group {group!r}: {text.strip()[:80]}")
        result = parse_catalog_text(text, url)  # validate before caching
        write_atomic(cached, text)
        return result, cached, True
