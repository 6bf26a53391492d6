"""Standard products: CCSDS NDM (KVN, XML), UDL-style JSON, B3; model separate from encoding."""

from beltwatch.formats._kvn import KvnLine, read_kvn_lines
from beltwatch.formats._omm_keywords import looks_like_ccsds_omm, omm_keyword_records

__all__ = ["KvnLine", "looks_like_ccsds_omm", "omm_keyword_records", "read_kvn_lines"]
