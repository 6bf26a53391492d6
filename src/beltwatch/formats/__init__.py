"""Standard products: CCSDS NDM (KVN, XML), UDL-style JSON, B3; model separate from encoding.

* :class:`Message` is the CCSDS message model (header, segments, metadata, data);
  :func:`read_message` / :func:`read_messages` read KVN or XML (any of TDM, OEM,
  OPM, OMM, CDM) and raise :class:`~beltwatch.errors.InputError` naming the line
  (KVN) or element and line (XML); :func:`encode_message` / :func:`write_message`
  write either encoding.
* Typed views: observations ↔ TDM (:func:`tdm_from_observations`,
  :func:`observations_from_tdm`), orbit states ↔ OEM/OPM, SGP4 element sets
  (:class:`beltwatch.values.ElementSet`) ↔ OMM, conjunctions ↔ CDM.
* UDL-style JSON observations validated against the shipped JSON Schema
  (:func:`udl_schema`), and B3 type 9 lines.
"""

from beltwatch.formats._b3 import b3_lines, parse_b3, write_b3
from beltwatch.formats._cdm import ConjunctionEvent, cdm_from_event, event_from_cdm
from beltwatch.formats._io import (
    ENCODINGS,
    encode_message,
    parse_messages,
    read_message,
    read_messages,
    write_message,
)
from beltwatch.formats._kvn import KvnLine, read_kvn_lines
from beltwatch.formats._marking_text import ForeignMarkings, format_marking, parse_marking
from beltwatch.formats._model import Entry, Group, Message, Segment, message_content
from beltwatch.formats._odm import (
    message_markings,
    oem_from_states,
    opm_from_state,
    states_from_message,
)
from beltwatch.formats._omm import (
    element_set_from_keywords,
    elements_from_omm,
    looks_like_ccsds_omm,
    omm_from_elements,
    omm_keyword_records,
)
from beltwatch.formats._tdm import observations_from_tdm, tdm_from_observations
from beltwatch.formats._udl import (
    observations_from_udl,
    read_udl_observations,
    udl_json,
    udl_records,
    udl_schema,
    validate_udl_records,
    write_udl_observations,
)


def write_tdm(observations, path, encoding: str = "kvn", **kwargs):
    """Write observations as a CCSDS TDM (``kvn`` or ``xml``), atomically."""
    return write_message(tdm_from_observations(observations, **kwargs), path, encoding)


def write_oem(states, path, encoding: str = "kvn", **kwargs):
    """Write orbit states as a CCSDS OEM (``kvn`` or ``xml``), atomically."""
    return write_message(oem_from_states(states, **kwargs), path, encoding)


__all__ = [
    "ENCODINGS",
    "ConjunctionEvent",
    "Entry",
    "ForeignMarkings",
    "Group",
    "KvnLine",
    "Message",
    "Segment",
    "b3_lines",
    "cdm_from_event",
    "element_set_from_keywords",
    "elements_from_omm",
    "encode_message",
    "event_from_cdm",
    "format_marking",
    "looks_like_ccsds_omm",
    "message_content",
    "message_markings",
    "observations_from_tdm",
    "observations_from_udl",
    "oem_from_states",
    "omm_from_elements",
    "omm_keyword_records",
    "opm_from_state",
    "parse_b3",
    "parse_marking",
    "parse_messages",
    "read_kvn_lines",
    "read_message",
    "read_messages",
    "read_udl_observations",
    "states_from_message",
    "tdm_from_observations",
    "udl_json",
    "udl_records",
    "udl_schema",
    "validate_udl_records",
    "write_b3",
    "write_message",
    "write_oem",
    "write_tdm",
    "write_udl_observations",
]
