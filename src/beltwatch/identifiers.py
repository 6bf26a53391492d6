"""Object identifiers: catalog numbers (integers up to 9 digits) and their TLE Alpha-5 form.

A TLE has five columns for the catalog number; Alpha-5 writes 100,000-339,999 as a
letter (A-Z without I and O, worth 10-33) and four digits ('A0001' is 100001).
"""

from __future__ import annotations

MAX_CATALOG_NUMBER = 999_999_999
MAX_TLE_CATALOG_NUMBER = 339_999
_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O


def alpha5_to_int(text: str) -> int:
    """Catalog number from a TLE field (digits or Alpha-5, e.g. 'A0001' -> 100001).

    Raises ValueError with the reason for anything else.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty catalog number")
    head = text[0].upper()
    if head.isdigit():
        if not text.isdigit():
            raise ValueError(f"not a catalog number: {text!r}")
        return int(text)
    index = _ALPHA5_LETTERS.find(head)
    if index < 0 or len(text) != 5 or not text[1:].isdigit():
        raise ValueError(f"not a catalog number or Alpha-5 id: {text!r}")
    return (index + 10) * 10_000 + int(text[1:])


def int_to_alpha5(number: int) -> str:
    """5-character TLE catalog field (Alpha-5 above 99999)."""
    if not 0 <= number <= MAX_TLE_CATALOG_NUMBER:
        raise ValueError(
            f"catalog number {number} does not fit a TLE (max {MAX_TLE_CATALOG_NUMBER})"
        )
    if number < 100_000:
        return f"{number:05d}"
    return _ALPHA5_LETTERS[number // 10_000 - 10] + f"{number % 10_000:04d}"


def is_catalog_number(number: int) -> bool:
    """Whether ``number`` is a valid catalog number (0 to 999,999,999)."""
    return 0 <= number <= MAX_CATALOG_NUMBER
