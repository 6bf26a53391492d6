"""Reading and writing CCSDS messages from files or text, in either encoding."""

from __future__ import annotations

from pathlib import Path

from beltwatch._io import read_text, write_atomic
from beltwatch.errors import InputError
from beltwatch.formats._kvn_codec import parse_kvn, write_kvn
from beltwatch.formats._model import Message
from beltwatch.formats._xml_codec import parse_xml, write_xml

ENCODINGS = ("kvn", "xml")


def parse_messages(text: str, source: str = "<text>") -> list[Message]:
    """Every CCSDS message in KVN or XML text (XML when it starts with ``<``)."""
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        return parse_xml(text, source)
    return parse_kvn(text, source)


def read_messages(path: str | Path) -> list[Message]:
    """Every CCSDS message (TDM, OEM, OPM, OMM, CDM; KVN or XML) in a file."""
    return parse_messages(read_text(path, "a CCSDS message (KVN or XML)"), str(path))


def read_message(path: str | Path) -> Message:
    """The one CCSDS message in a file."""
    messages = read_messages(path)
    if len(messages) != 1:
        raise InputError(f"expected one message, found {len(messages)}", source=str(path))
    return messages[0]


def encode_message(message: Message | list[Message], encoding: str = "kvn") -> str:
    """Text of one message (or several, KVN one after another, XML inside ``<ndm>``)."""
    messages = message if isinstance(message, list) else [message]
    if encoding == "kvn":
        return "\n".join(write_kvn(m) for m in messages)
    if encoding == "xml":
        if len(messages) == 1:
            return write_xml(messages[0])
        bodies = [write_xml(m).split("\n", 1)[1] for m in messages]
        return '<?xml version="1.0" encoding="UTF-8"?>\n<ndm>\n' + "".join(bodies) + "</ndm>\n"
    raise InputError(f"unknown encoding {encoding!r}; expected kvn or xml", field="encoding")


def write_message(
    message: Message | list[Message], path: str | Path, encoding: str = "kvn"
) -> Path:
    """Write messages atomically in ``encoding`` (``kvn`` or ``xml``)."""
    return write_atomic(path, encode_message(message, encoding))
