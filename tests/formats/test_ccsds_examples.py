"""Every CCSDS example in ../shared/data/ccsds: read, written back in both encodings, read
again with identical content; the malformed ones fail naming their line or element."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from beltwatch.errors import InputError
from beltwatch.formats import encode_message, message_content, parse_messages, read_messages

CCSDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ccsds"
EXAMPLES = (
    sorted(
        str(p.relative_to(CCSDS))
        for folder in ("tdm", "odm", "cdm")
        for p in (CCSDS / folder).rglob("*")
        if p.is_file() and p.suffix != ".csv"
    )
    if CCSDS.is_dir()
    else []
)


@pytest.fixture(scope="module")
def ccsds(shared_data: Path) -> Path:
    return shared_data / "ccsds"


def test_examples_are_found(ccsds: Path) -> None:
    assert len(EXAMPLES) == 27


@pytest.mark.parametrize("name", EXAMPLES)
def test_round_trip_identical_content(ccsds: Path, name: str) -> None:
    original = read_messages(ccsds / name)
    same = "xml" if (ccsds / name).read_text(encoding="utf-8").lstrip().startswith("<") else "kvn"
    other = "kvn" if same == "xml" else "xml"
    again = parse_messages(encode_message(original, same), "again")
    assert [message_content(m) for m in again] == [message_content(m) for m in original]
    # Through the other encoding and back: same keywords, values and units; comments may move
    # between a block and its parent (KVN has no blocks), so they are compared as text only.
    crossed = parse_messages(encode_message(original, other), "crossed")
    back = parse_messages(encode_message(crossed, same), "back")
    for a, b in zip(original, back, strict=True):
        assert message_content(a, comments=False) == message_content(b, comments=False)
        assert _comments(a) == _comments(b)


def _comments(message) -> list[str]:
    return [row[2] for row in message_content(message) if row[1] == "COMMENT"]


def _count_kvn(path: Path, pattern: str) -> int:
    return sum(
        1 for line in path.read_text(encoding="utf-8").splitlines() if re.match(pattern, line)
    )


def test_counts_match_the_raw_text(ccsds: Path) -> None:
    """Record counts from the model equal counts of the raw lines (independent of the parser)."""
    epoch_line = r"^\s*\d{4}-\d{2}-\d{2}T[\d:.]+(\s+[-+.\dEe]+){6,9}\s*$"
    for name in ("odm/oem/OEMExample1.txt", "odm/oem/OEMExample5.txt"):
        (message,) = read_messages(ccsds / name)
        assert message.counts()["stateVector"] == _count_kvn(ccsds / name, epoch_line)
    tdm_line = r"^\s*[A-Z_0-9]+\s*=\s*\d{4}-[\d\-T:.]+\s+[-+.\dEe]+\s*$"
    for name in ("tdm/TDMExample15.txt", "tdm/TDMExample4.txt", "tdm/tdm_e16.kvn"):
        (message,) = read_messages(ccsds / name)
        assert message.counts()["observation"] == _count_kvn(ccsds / name, tdm_line)
    xml = (ccsds / "tdm/TDMExample15.xml").read_text(encoding="utf-8")
    (message,) = read_messages(ccsds / "tdm/TDMExample15.xml")
    assert message.counts()["observation"] == xml.count("<observation>")
    assert message.counts()["segments"] == xml.count("<segment>") == 3


def test_values_kept_as_printed(ccsds: Path) -> None:
    (cdm,) = read_messages(ccsds / "cdm/CDMExample1.txt")
    relative = {e.keyword: e for e in cdm.relative}
    assert (relative["MISS_DISTANCE"].value, relative["MISS_DISTANCE"].units) == ("715", "m")
    assert cdm.segments[0].meta("INTERNATIONAL_DESIGNATOR") == "1997\u2212030E"
    assert cdm.segments[1].data_value("CN_T") == "-7.5888E+02"
    (omm,) = read_messages(ccsds / "odm/omm/OMMExample1.txt")
    assert omm.segments[0].data_value("EPOCH") == "2007-064T10:34:41.4264"
    assert omm.segments[0].data_value("ELEMENT_SET_NO") == "0925"


BAD = [
    ("CDM-missing-TCA.txt", "TCA", None),
    ("CDM-wrong-key-word.txt", "WRONG_KEYWORD", 6),
    ("OEM-wrong-keyword.txt", "WRONG_KEYWORD", 19),
    ("OMM-wrong-keyword.txt", "WRONG_KEYWORD", 9),
    ("OPM-wrong-keyword.txt", "WRONG_KEYWORD", 11),
]


@pytest.mark.parametrize(("name", "field", "line"), BAD)
def test_bad_files_fail_naming_line_or_keyword(ccsds: Path, name: str, field, line) -> None:
    with pytest.raises(InputError) as info:
        read_messages(ccsds / "bad" / name)
    assert info.value.field == field
    assert info.value.source == str(ccsds / "bad" / name)
    if line is not None:
        assert info.value.line == line
    assert field in str(info.value)


def _mutate(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


MUTATIONS = [
    # META_STOP removed: the first state line (line 23, 22 once a line is gone) is not metadata
    ("odm/oem/OEMExample1.txt", "META_STOP\nCOMMENT This file", "COMMENT This file", 22, None),
    ("odm/oem/OEMExample1.txt", "2789.619 -280.045", "2789.619 -28O.045", 23, "Y"),
    ("odm/oem/OEMExample1.txt", "-3.0413460e-07 -4.9894969e-07", "-4.9894969e-07", 58, None),
    (
        "tdm/tdm_e16.kvn",
        "ANGLE_2 = 2012-10-29T17:46:39.02 -16.3028389",
        "ANGLE_2 = 2012-10-29T17:46:39.02",
        18,
        "ANGLE_2",
    ),
    ("tdm/tdm_e16.kvn", "DATA_STOP\nMETA_START", "META_START", 26, "META_START"),
    (
        "odm/omm/OMMExample2.xml",
        "<MEAN_MOTION>1.00273272</MEAN_MOTION>",
        "<MEAN_MOTON>1.00273272</MEAN_MOTON>",
        26,
        "MEAN_MOTON",
    ),
    ("cdm/CDMExample1.xml", '<X units="km">2570.097065</X>', "", 38, "X"),
    ("tdm/TDMExample2.xml", "</header>", "</heder>", 10, None),
]


@pytest.mark.parametrize(("name", "old", "new", "line", "field"), MUTATIONS)
def test_broken_examples_fail_clearly(ccsds: Path, name, old, new, line, field) -> None:
    text = _mutate((ccsds / name).read_text(encoding="utf-8"), old, new)
    with pytest.raises(InputError) as info:
        parse_messages(text, name)
    if line is not None:
        assert info.value.line == line
    if field is not None:
        assert info.value.field == field
    assert info.value.line is not None or info.value.field is not None
