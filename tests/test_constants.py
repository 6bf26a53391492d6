"""Physical constants are written once, in ``beltwatch/constants.py``.

The scan reads the code tokens of every module (comments and docstrings are
text, not values) and reports numbers and expressions that spell a constant
of ``constants.py``: Earth GM and radii, the GEO radius, AU, c, the Earth
rotation rates, and the arcsecond.
"""

from __future__ import annotations

import io
import math
import re
import tokenize
from pathlib import Path

import pytest

from beltwatch import constants

SRC = Path(__file__).resolve().parents[1] / "src" / "beltwatch"

# (name, low, high): a numeric literal inside [low, high] spells that constant.
_VALUE_BANDS = (
    ("Earth GM", 398_599.0, 398_601.5),
    ("an Earth radius", 6378.0, 6378.2),
    ("the GEO radius", 42_163.0, 42_166.0),
    ("the speed of light", 299_792.0, 299_793.0),
    ("the speed of light (m/s)", 299_792_000.0, 299_793_000.0),
    ("the astronomical unit", 149_597_000.0, 149_598_000.0),
    ("an Earth rotation rate", 7.2921e-5, 7.2922e-5),
    ("sidereal turns per day", 1.00273, 1.00274),
    ("arcseconds per radian", 206_264.0, 206_265.0),
    ("the Julian date of J2000", 2_451_544.9, 2_451_545.1),
    ("an arcsecond in radians", 4.8481e-6, 4.8482e-6),
)
# Expressions that build the arcsecond (or its inverse) by hand.
_ARCSEC_EXPRESSIONS = re.compile(
    r"180(\.0*)?/3600|3600(\.0*)?/180|pi/180(\.0*)?/3600|pi/\(180(\.0*)?\*3600|"
    r"radians\(1(\.0*)?/3600|degrees\(1(\.0*)?\)\*3600"
)


def constant_literals(source: str) -> list[tuple[int, str, str]]:
    """(line, text, what) for every number or expression in ``source`` that spells a constant."""
    found: list[tuple[int, str, str]] = []
    code_lines: dict[int, list[str]] = {}
    previous = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING and previous in (None, tokenize.NEWLINE, tokenize.INDENT):
            previous = tok.type  # a docstring or a bare string statement: text
            continue
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.STRING):
            code_lines.setdefault(tok.start[0], []).append(tok.string)
        if tok.type == tokenize.NUMBER:
            try:
                value = float(tok.string.replace("_", ""))
            except ValueError:
                value = math.nan
            for what, low, high in _VALUE_BANDS:
                if low <= value <= high:
                    found.append((tok.start[0], tok.string, what))
        if tok.type not in (tokenize.COMMENT, tokenize.NL):
            previous = tok.type
    for line, parts in code_lines.items():
        text = "".join(parts)
        if _ARCSEC_EXPRESSIONS.search(text):
            found.append((line, text, "the arcsecond"))
    return sorted(found)


def test_no_module_outside_constants_spells_a_constant():
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {text} ({what})"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "constants.py"
        for line, text, what in constant_literals(path.read_text())
    ]
    assert offenders == [], "use beltwatch.constants instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "MU = 398600.4418\n",
        "R = 6378.137\n",
        "GEO_RADIUS_KM = 42_164.17\n",
        "c = 299_792.458\n",
        "rate = 7.292115146706979e-5\n",
        "turns = 1.00273790935\n",
        "ARCSEC = np.pi / 180.0 / 3600.0\n",
        "ARCSEC = math.radians(1.0 / 3600.0)\n",
        "x = y * 206264.806\n",
    ],
)
def test_the_scan_catches_a_planted_constant(source):
    assert constant_literals(source), f"the scan missed {source!r}"


def test_the_scan_ignores_comments_and_docstrings():
    source = '"""GM = 398600.4415 km^3/s^2."""\n# R = 6378.137 km\nx = 1.0\n'
    assert constant_literals(source) == []


def test_constants_are_the_documented_values():
    assert pytest.approx(42_164.17, abs=0.01) == constants.GEO_RADIUS_KM
    assert pytest.approx(math.radians(1.0) / 3600.0, rel=1e-15) == constants.ARCSEC_RAD
    # the IERS Earth rotation angle rate, 7.292115146706979e-5 rad/s
    assert pytest.approx(7.292115146706979e-5, rel=1e-14) == constants.EARTH_ROTATION_RATE_RAD_S
    # one turn relative to the stars (the stellar day), seconds
    assert 2 * math.pi / constants.EARTH_ROTATION_RATE_RAD_S == pytest.approx(86_164.0989, abs=1e-3)
