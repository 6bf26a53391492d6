"""XML encoding of the message model (NDM/XML element names), read with line numbers."""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from beltwatch.errors import InputError
from beltwatch.formats._keywords import (
    CDM_RELATIVE_STATE,
    OEM_STATE,
    SPECS,
    TDM_OBSERVABLES,
    KindSpec,
)
from beltwatch.formats._model import Entry, Group, Item, Message, Segment
from beltwatch.formats._validate import check_epoch, check_number, validate_message


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    text: str = ""


def _parse_tree(text: str, source: str) -> _Node:
    parser = xml.parsers.expat.ParserCreate()
    stack: list[_Node] = []
    roots: list[_Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = _Node(tag.split(":")[-1], attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text.lstrip("\ufeff").encode("utf-8"), True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(f"invalid XML: {exc}", source=source, line=exc.lineno) from exc
    return roots[0]


def parse_xml(text: str, source: str) -> list[Message]:
    """Every message in NDM/XML text: one ``<tdm>``…``<cdm>`` or an ``<ndm>`` of several."""
    root = _parse_tree(text, source)
    if root.tag == "ndm":
        nodes = [child for child in root.children if child.tag.upper() in SPECS]
    else:
        nodes = [root]
    return [_parse_message(node, source) for node in nodes]


def _unexpected(node: _Node, parent: str, source: str) -> InputError:
    return InputError(
        f"unexpected element <{node.tag}> in <{parent}>",
        source=source,
        line=node.line,
        field=node.tag,
    )


def _leaf(node: _Node, allowed: tuple[str, ...], parent: str, source: str) -> Entry:
    keyword = node.tag
    if node.tag == "USER_DEFINED" and "parameter" in node.attrs:
        keyword = f"USER_DEFINED_{node.attrs['parameter']}"
    elif node.tag not in allowed:
        raise _unexpected(node, parent, source)
    if node.children:
        raise InputError(
            f"<{node.tag}> must hold a value, not elements",
            source=source,
            line=node.line,
            field=node.tag,
        )
    return Entry(keyword, node.text.strip(), node.attrs.get("units"), node.line)


def _parse_message(node: _Node, source: str) -> Message:
    kind = node.tag.upper()
    if kind not in SPECS:
        raise InputError(
            f"unknown root element <{node.tag}>; expected tdm, oem, opm, omm, cdm or ndm",
            source=source,
            line=node.line,
            field=node.tag,
        )
    spec = SPECS[kind]
    version = node.attrs.get("version")
    if not version:
        raise InputError(
            f"<{node.tag}> needs a version attribute",
            source=source,
            line=node.line,
            field="version",
        )
    message = Message(kind, version, [], [], source=source)
    for child in node.children:
        if child.tag == "header":
            message.header = [_leaf(n, spec.header, "header", source) for n in child.children]
        elif child.tag == "body":
            _parse_body(message, spec, child, source)
        else:
            raise _unexpected(child, node.tag, source)
    return validate_message(message)


def _parse_body(message: Message, spec: KindSpec, body: _Node, source: str) -> None:
    for child in body.children:
        if child.tag == "relativeMetadataData" and spec.relative:
            for item in child.children:
                if item.tag == "relativeStateVector":
                    entries = [
                        _leaf(n, CDM_RELATIVE_STATE, item.tag, source) for n in item.children
                    ]
                    message.relative.append(Group(item.tag, entries, item.line))
                else:
                    message.relative.append(_leaf(item, spec.relative, child.tag, source))
        elif child.tag == "segment":
            message.segments.append(_parse_segment(spec, child, source))
        else:
            raise _unexpected(child, "body", source)


def _parse_segment(spec: KindSpec, node: _Node, source: str) -> Segment:
    segment = Segment([], [], line=node.line)
    for child in node.children:
        if child.tag == "metadata":
            segment.metadata = [_leaf(n, spec.metadata, "metadata", source) for n in child.children]
        elif child.tag == "data":
            segment.data = [_data_item(spec, n, source) for n in child.children]
        else:
            raise _unexpected(child, "segment", source)
    return segment


def _data_item(spec: KindSpec, node: _Node, source: str) -> Item:
    if node.tag == "COMMENT":
        return _leaf(node, ("COMMENT",), "data", source)
    if spec.kind == "TDM":
        if node.tag != "observation":
            raise _unexpected(node, "data", source)
        entries = [_leaf(n, ("EPOCH", *TDM_OBSERVABLES), node.tag, source) for n in node.children]
        names = [e.keyword for e in entries]
        if len(entries) != 2 or names[0] != "EPOCH":
            raise InputError(
                f"an <observation> holds <EPOCH> and one value, got {names}",
                source=source,
                line=node.line,
                field="observation",
            )
        check_epoch(entries[0].value, source=source, line=entries[0].line, field="EPOCH")
        check_number(entries[1].value, source=source, line=entries[1].line, field=names[1])
        return Group(node.tag, entries, node.line)
    allowed = spec.data.get(node.tag)
    if allowed is None and not (
        node.tag == "userDefinedParameters" and spec.kind in ("OPM", "OMM")
    ):
        raise _unexpected(node, "data", source)
    entries = [_leaf(n, ("COMMENT", *(allowed or ())), node.tag, source) for n in node.children]
    if spec.kind == "OEM" and node.tag == "stateVector":
        names = [e.keyword for e in entries if e.keyword != "COMMENT"]
        if names not in (list(OEM_STATE[:7]), list(OEM_STATE)):
            raise InputError(
                f"<stateVector> needs EPOCH, X..Z_DOT (and optionally X..Z_DDOT), got {names}",
                source=source,
                line=node.line,
                field="stateVector",
            )
    return Group(node.tag, entries, node.line)


def write_xml(message: Message) -> str:
    """NDM/XML text of a message."""
    tag = message.kind.lower()
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<{tag} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'id="CCSDS_{message.kind}_VERS" version={quoteattr(message.version)}>',
        "  <header>",
    ]
    _entries(out, message.header, 4)
    out += ["  </header>", "  <body>"]
    if message.relative:
        out.append("    <relativeMetadataData>")
        _items(out, message.relative, 6)
        out.append("    </relativeMetadataData>")
    for segment in message.segments:
        out += ["    <segment>", "      <metadata>"]
        _entries(out, segment.metadata, 8)
        out += ["      </metadata>", "      <data>"]
        _items(out, segment.data, 8)
        out += ["      </data>", "    </segment>"]
    out += ["  </body>", f"</{tag}>"]
    return "\n".join(out) + "\n"


def _entries(out: list[str], entries: list[Entry], indent: int) -> None:
    pad = " " * indent
    for entry in entries:
        name, attrs = entry.keyword, ""
        if name.startswith("USER_DEFINED_"):
            attrs = f" parameter={quoteattr(name[len('USER_DEFINED_') :])}"
            name = "USER_DEFINED"
        if entry.units:
            attrs += f" units={quoteattr(entry.units)}"
        out.append(f"{pad}<{name}{attrs}>{escape(entry.value)}</{name}>")


def _items(out: list[str], items: list[Item], indent: int) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, Entry):
            _entries(out, [item], indent)
        else:
            out.append(f"{pad}<{item.name}>")
            _entries(out, item.entries, indent + 2)
            out.append(f"{pad}</{item.name}>")
