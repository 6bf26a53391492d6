"""Opaque keyset-pagination cursors: the sort key of the last item of a page."""

from __future__ import annotations

import base64
import binascii
import json

from beltwatch.errors import InputError


def encode_cursor(*key: float | int | str) -> str:
    """The cursor after a row whose sort key is ``key``."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> tuple:
    """The sort key in ``cursor``, checked against ``types``; an InputError naming
    ``after`` when it is not a cursor of this listing."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not a cursor of this listing: {cursor!r}", field="after") from exc
    if (
        not isinstance(key, list)
        or len(key) != len(types)
        or not all(_fits(v, t) for v, t in zip(key, types, strict=True))
    ):
        raise InputError(f"not a cursor of this listing: {cursor!r}", field="after")
    return tuple(float(v) if t is float else v for v, t in zip(key, types, strict=True))


def _fits(value: object, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)
