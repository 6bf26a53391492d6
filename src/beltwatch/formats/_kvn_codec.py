"""KVN encoding of the message model: reading (with line numbers) and writing."""

from __future__ import annotations

from beltwatch.errors import InputError
from beltwatch.formats._keywords import (
    CARTESIAN_COVARIANCE,
    CDM_RELATIVE_STATE,
    OEM_STATE,
    SPECS,
    TDM_OBSERVABLES,
    KindSpec,
)
from beltwatch.formats._kvn import KvnLine, read_kvn_lines
from beltwatch.formats._model import Entry, Group, Item, Message, Segment
from beltwatch.formats._validate import check_epoch, check_number, validate_message

_MARKERS = ("META_START", "META_STOP", "DATA_START", "DATA_STOP")
_COV_MARKERS = ("COVARIANCE_START", "COVARIANCE_STOP")


def parse_kvn(text: str, source: str) -> list[Message]:
    """Every message in a KVN text (a file may hold several of one kind, one after another)."""
    lines = read_kvn_lines(text.lstrip("\ufeff"), source)
    chunks: list[list[KvnLine]] = []
    for line in lines:
        is_start = line.keyword is not None and line.keyword.startswith("CCSDS_")
        if is_start:
            chunks.append([line])
        elif not chunks:
            if line.keyword == "COMMENT":
                continue
            raise InputError(
                "expected CCSDS_<kind>_VERS = <version> (TDM, OEM, OPM, OMM or CDM)",
                source=source,
                line=line.line,
            )
        else:
            chunks[-1].append(line)
    if not chunks:
        raise InputError("empty file: no CCSDS message found", source=source)
    return [_parse_one(chunk, source) for chunk in chunks]


def _parse_one(lines: list[KvnLine], source: str) -> Message:
    first = lines[0]
    keyword = first.keyword or ""
    kind = keyword[len("CCSDS_") : -len("_VERS")]
    if kind not in SPECS or not keyword.endswith("_VERS"):
        raise InputError(
            f"unknown message kind {first.keyword}; expected CCSDS_TDM_VERS, CCSDS_OEM_VERS, "
            "CCSDS_OPM_VERS, CCSDS_OMM_VERS or CCSDS_CDM_VERS",
            source=source,
            line=first.line,
            field=first.keyword,
        )
    message = Message(kind, first.value, [], [], source=source)
    parser = _SectionedParser if kind in ("TDM", "OEM") else _FlatParser
    parser(message, SPECS[kind], source).run(lines[1:])
    return validate_message(message)


def _entry(line: KvnLine) -> Entry:
    return Entry(line.keyword or "", line.value, line.units, line.line)


def _unexpected(line: KvnLine, where: str, source: str) -> InputError:
    if line.keyword is None:
        return InputError(
            f"unexpected data line {line.value[:40]!r} in {where}", source=source, line=line.line
        )
    return InputError(
        f"unexpected keyword {line.keyword} in {where}",
        source=source,
        line=line.line,
        field=line.keyword,
    )


class _SectionedParser:
    """TDM and OEM: META_START/META_STOP, DATA_START/DATA_STOP, COVARIANCE_START/STOP."""

    def __init__(self, message: Message, spec: KindSpec, source: str) -> None:
        self.message, self.spec, self.source = message, spec, source
        self.state = "header"
        self.covariance: Group | None = None
        self.pending: list[Entry] = []
        self.last_line = 0

    def run(self, lines: list[KvnLine]) -> None:
        for line in lines:
            self.last_line = line.line
            if line.keyword is None and line.value in (*_MARKERS, *_COV_MARKERS):
                self.marker(line)
            else:
                getattr(self, f"in_{self.state}")(line)
        expected = {"TDM": ("between",), "OEM": ("oem_data",)}[self.message.kind]
        if self.state not in expected:
            closing = {"meta": "META_STOP", "tdm_data": "DATA_STOP", "cov": "COVARIANCE_STOP"}
            what = closing.get(self.state, "META_START")
            raise InputError(
                f"message ends before {what}", source=self.source, line=self.last_line, field=what
            )

    def marker(self, line: KvnLine) -> None:
        kind, word = self.message.kind, line.value
        allowed = {
            "META_START": ("header", "between", "oem_data"),
            "META_STOP": ("meta",),
            "DATA_START": ("after_meta",) if kind == "TDM" else (),
            "DATA_STOP": ("tdm_data",),
            "COVARIANCE_START": ("oem_data",) if kind == "OEM" else (),
            "COVARIANCE_STOP": ("cov",),
        }[word]
        if self.state not in allowed:
            raise InputError(f"unexpected {word}", source=self.source, line=line.line, field=word)
        if word == "META_START":
            self.message.segments.append(Segment([], [], line=line.line))
            self.state = "meta"
        elif word == "META_STOP":
            self.state = "after_meta" if kind == "TDM" else "oem_data"
        elif word == "DATA_START":
            self.state = "tdm_data"
        elif word == "DATA_STOP":
            self.state = "between"
        elif word == "COVARIANCE_START":
            self.state, self.covariance = "cov", None
        else:
            self._close_covariance(line.line)
            self.state = "oem_data"

    @property
    def segment(self) -> Segment:
        return self.message.segments[-1]

    def in_header(self, line: KvnLine) -> None:
        if line.keyword not in self.spec.header:
            raise _unexpected(line, f"{self.message.kind} header", self.source)
        self.message.header.append(_entry(line))

    def in_meta(self, line: KvnLine) -> None:
        if line.keyword not in self.spec.metadata:
            raise _unexpected(line, f"{self.message.kind} metadata", self.source)
        self.segment.metadata.append(_entry(line))

    def in_between(self, line: KvnLine) -> None:
        raise _unexpected(line, "between segments (expected META_START)", self.source)

    in_after_meta = in_between

    def in_tdm_data(self, line: KvnLine) -> None:
        if line.keyword == "COMMENT":
            self.segment.data.append(_entry(line))
            return
        if line.keyword not in TDM_OBSERVABLES:
            raise _unexpected(line, "TDM data", self.source)
        parts = line.value.split()
        if len(parts) != 2:
            raise InputError(
                f"expected '{line.keyword} = <epoch> <value>', got {line.value!r}",
                source=self.source,
                line=line.line,
                field=line.keyword,
            )
        check_epoch(parts[0], source=self.source, line=line.line, field=line.keyword)
        check_number(parts[1], source=self.source, line=line.line, field=line.keyword)
        entries = [
            Entry("EPOCH", parts[0], None, line.line),
            Entry(line.keyword, parts[1], line.units, line.line),
        ]
        self.segment.data.append(Group("observation", entries, line.line))

    def in_oem_data(self, line: KvnLine) -> None:
        if line.keyword == "COMMENT":
            self.segment.data.append(_entry(line))
            return
        if line.keyword is not None:
            raise _unexpected(line, "OEM data", self.source)
        parts = line.value.split()
        if len(parts) not in (7, 10):
            raise InputError(
                f"an OEM state line has an epoch and 6 or 9 numbers, got {len(parts)} fields",
                source=self.source,
                line=line.line,
            )
        check_epoch(parts[0], source=self.source, line=line.line, field="EPOCH")
        names = OEM_STATE[: len(parts)]
        for name, part in zip(names[1:], parts[1:], strict=True):
            check_number(part, source=self.source, line=line.line, field=name)
        entries = [Entry(n, p, None, line.line) for n, p in zip(names, parts, strict=True)]
        self.segment.data.append(Group("stateVector", entries, line.line))

    def in_cov(self, line: KvnLine) -> None:
        if line.keyword == "COMMENT":
            self.pending.append(_entry(line))
            return
        if line.keyword == "EPOCH":
            comments, self.pending = self.pending, []
            self._close_covariance(line.line)
            check_epoch(line.value, source=self.source, line=line.line, field="EPOCH")
            self.covariance = Group("covarianceMatrix", [*comments, _entry(line)], line.line)
            self.segment.data.append(self.covariance)
            return
        if self.covariance is None:
            raise InputError(
                "a covariance starts with EPOCH", source=self.source, line=line.line, field="EPOCH"
            )
        if line.keyword == "COV_REF_FRAME":
            self.covariance.entries.append(_entry(line))
            return
        if line.keyword is not None:
            raise _unexpected(line, "OEM covariance", self.source)
        parts = line.value.split()
        done = sum(1 for e in self.covariance.entries if e.keyword in CARTESIAN_COVARIANCE)
        row = _row_of(done)
        if row is None or len(parts) != row + 1:
            raise InputError(
                f"covariance row {row + 1 if row is not None else 7} must hold "
                f"{row + 1 if row is not None else 0} numbers (lower triangle), got {len(parts)}",
                source=self.source,
                line=line.line,
            )
        for name, part in zip(CARTESIAN_COVARIANCE[done : done + row + 1], parts, strict=True):
            check_number(part, source=self.source, line=line.line, field=name)
            self.covariance.entries.append(Entry(name, part, None, line.line))

    def _close_covariance(self, line: int) -> None:
        if self.covariance is None:
            return
        count = sum(1 for e in self.covariance.entries if e.keyword in CARTESIAN_COVARIANCE)
        if count != len(CARTESIAN_COVARIANCE):
            raise InputError(
                f"covariance has {count} of 21 lower-triangle values",
                source=self.source,
                line=line,
            )
        if self.pending:
            self.covariance.entries[:0] = self.pending
            self.pending = []


def _row_of(done: int) -> int | None:
    starts = [0, 1, 3, 6, 10, 15]
    return starts.index(done) if done in starts else None


class _FlatParser:
    """OPM, OMM, CDM: one keyword list whose blocks follow from the keywords."""

    def __init__(self, message: Message, spec: KindSpec, source: str) -> None:
        self.message, self.spec, self.source = message, spec, source
        self.sections = ["header", *(["relative"] if spec.relative else []), "metadata", "data"]
        self.position = 0
        self.pending: list[Entry] = []

    def _section_of(self, keyword: str) -> str | None:
        spec = self.spec
        members = {
            "header": keyword in spec.header,
            "relative": keyword in spec.relative,
            "metadata": keyword in spec.metadata,
            "data": spec.data_block_of(keyword) is not None,
        }
        for name in self.sections[self.position :]:
            if members[name]:
                return name
        return None

    def run(self, lines: list[KvnLine]) -> None:
        for line in lines:
            if line.keyword is None:
                raise _unexpected(line, self.message.kind, self.source)
            if line.keyword == "COMMENT":
                self.pending.append(_entry(line))
                continue
            self.place(line)
        if self.pending:
            target = self._last_list()
            target.extend(self.pending)

    def _last_list(self) -> list:
        if self.message.segments:
            data = self.message.segments[-1].data
            if data and isinstance(data[-1], Group):
                return data[-1].entries
            return data if data else self.message.segments[-1].metadata
        return self.message.relative or self.message.header

    def place(self, line: KvnLine) -> None:
        keyword = line.keyword or ""
        if keyword == self.spec.segment_start:
            self.message.segments.append(Segment([], [], line=line.line))
            self.position = self.sections.index("metadata")
        section = self._section_of(keyword)
        if section is None:
            where = f"{self.message.kind} {self.sections[self.position]}"
            if any(
                keyword in block for block in (self.spec.header, self.spec.metadata)
            ) or self.spec.data_block_of(keyword):
                where += " (keyword out of its block order)"
            raise _unexpected(line, where, self.source)
        self.position = self.sections.index(section)
        if section in ("metadata", "data") and not self.message.segments:
            if self.spec.segment_start:
                raise InputError(
                    f"expected {self.spec.segment_start} = OBJECT1 before {keyword}",
                    source=self.source,
                    line=line.line,
                    field=self.spec.segment_start,
                )
            self.message.segments.append(Segment([], [], line=line.line))
        entry = _entry(line)
        if section == "header":
            self._add(self.message.header, entry)
        elif section == "relative":
            block = "relativeStateVector" if keyword in CDM_RELATIVE_STATE else None
            self._add_item(self.message.relative, entry, block, ())
        elif section == "metadata":
            self._add(self.message.segments[-1].metadata, entry)
        else:
            block = self.spec.data_block_of(keyword)
            self._add_item(
                self.message.segments[-1].data, entry, block, self.spec.repeated_block_start
            )

    def _add(self, target: list, entry: Entry) -> None:
        target.extend(self.pending)
        self.pending = []
        target.append(entry)

    def _add_item(
        self, items: list[Item], entry: Entry, block: str | None, restarts: tuple[str, ...]
    ) -> None:
        if block is None:
            self._add(items, entry)
            return
        last = items[-1] if items else None
        if (
            isinstance(last, Group)
            and last.name == block
            and entry.keyword not in restarts
            and last.get(entry.keyword) is None
        ):
            self._add(last.entries, entry)
            return
        group = Group(block, [], entry.line)
        items.append(group)
        self._add(group.entries, entry)


def write_kvn(message: Message) -> str:
    """KVN text of a message (keywords aligned, units in brackets)."""
    out: list[str] = []
    items = [Entry(f"CCSDS_{message.kind}_VERS", message.version), *message.header]
    width = max(len(e.keyword) for e in items)
    _emit(out, items, width)
    out.append("")
    if message.kind in ("TDM", "OEM"):
        for segment in message.segments:
            out.append("META_START")
            _emit(out, segment.metadata, _width(segment.metadata))
            out.append("META_STOP")
            if message.kind == "TDM":
                out.append("DATA_START")
                _write_tdm_data(out, segment.data)
                out.append("DATA_STOP")
            else:
                _write_oem_data(out, segment.data)
            out.append("")
    else:
        flat: list[Entry] = _flatten(message.relative)
        for segment in message.segments:
            flat += list(segment.metadata) + _flatten(segment.data)
        _emit(out, flat, _width(flat))
    return "\n".join(out).rstrip("\n") + "\n"


def _flatten(items: list[Item]) -> list[Entry]:
    out: list[Entry] = []
    for item in items:
        out.extend(item.entries if isinstance(item, Group) else [item])
    return out


def _width(entries: list[Entry]) -> int:
    return max((len(e.keyword) for e in entries if e.keyword != "COMMENT"), default=0)


def _emit(out: list[str], entries: list[Entry], width: int) -> None:
    for entry in entries:
        if entry.keyword == "COMMENT":
            out.append(f"COMMENT {entry.value}".rstrip())
            continue
        text = f"{entry.keyword:<{width}} = {entry.value}"
        if entry.units:
            text += f" [{entry.units}]"
        out.append(text)


def _write_tdm_data(out: list[str], items: list[Item]) -> None:
    width = max(
        (len(e.keyword) for g in items if isinstance(g, Group) for e in g.entries), default=0
    )
    for item in items:
        if isinstance(item, Entry):
            _emit(out, [item], width)
            continue
        epoch = item.get("EPOCH")
        for entry in item.entries:
            if entry.keyword == "EPOCH":
                continue
            if entry.keyword == "COMMENT":
                _emit(out, [entry], width)
                continue
            text = f"{entry.keyword:<{width}} = {epoch} {entry.value}"
            out.append(text + (f" [{entry.units}]" if entry.units else ""))


def _write_oem_data(out: list[str], items: list[Item]) -> None:
    in_covariance = False
    for item in items:
        is_cov = isinstance(item, Group) and item.name == "covarianceMatrix"
        if is_cov and not in_covariance:
            out.append("COVARIANCE_START")
        if in_covariance and not is_cov:
            out.append("COVARIANCE_STOP")
        in_covariance = is_cov
        if isinstance(item, Entry):
            _emit(out, [item], 0)
        elif item.name == "stateVector":
            comments = [e for e in item.entries if e.keyword == "COMMENT"]
            _emit(out, comments, 0)
            out.append(" ".join(e.value for e in item.entries if e.keyword != "COMMENT"))
        else:
            _write_covariance(out, item)
    if in_covariance:
        out.append("COVARIANCE_STOP")


def _write_covariance(out: list[str], group: Group) -> None:
    head = [e for e in group.entries if e.keyword not in CARTESIAN_COVARIANCE]
    comments = [e for e in head if e.keyword == "COMMENT"]
    others = [e for e in head if e.keyword != "COMMENT"]
    _emit(out, comments + others, _width(others))
    values = {e.keyword: e.value for e in group.entries if e.keyword in CARTESIAN_COVARIANCE}
    start = 0
    for row in range(6):
        names = CARTESIAN_COVARIANCE[start : start + row + 1]
        out.append(" ".join(values[name] for name in names))
        start += row + 1
