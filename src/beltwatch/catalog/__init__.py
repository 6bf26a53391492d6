"""Element-set catalogs: TLE/3LE and OMM (GP JSON, CSV, CCSDS KVN/XML) into a vectorised Catalog.

A :class:`Catalog` is a structure of arrays: one row per element set. The same
type holds a snapshot (one set per object) or a history (many sets per object,
see :meth:`Catalog.history` and :meth:`Catalog.latest`).
"""

from beltwatch.catalog._catalog import Catalog, OrbitClass
from beltwatch.catalog._fetch import CelestrakClient
from beltwatch.catalog._load import LoadResult, load_catalog, parse_catalog_text
from beltwatch.catalog._synthetic import synthetic_geo_population
from beltwatch.catalog._tle import format_tle, iter_tle_records, parse_tle_pair
from beltwatch.identifiers import alpha5_to_int, int_to_alpha5

__all__ = [
    "Catalog",
    "CelestrakClient",
    "LoadResult",
    "OrbitClass",
    "alpha5_to_int",
    "format_tle",
    "int_to_alpha5",
    "iter_tle_records",
    "load_catalog",
    "parse_catalog_text",
    "parse_tle_pair",
    "synthetic_geo_population",
]
