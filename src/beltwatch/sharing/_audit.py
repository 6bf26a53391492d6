"""Append-only, hash-chained audit log of releases (JSON lines).

Each line is a JSON object with ``seq``, ``prev`` (the previous line's hash, 64
zeros for the first) and ``hash``: SHA-256 of the canonical JSON of the object
without ``hash``. Changing, removing or reordering a line breaks the chain at
that line, which :func:`verify_audit_log` names.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from beltwatch.errors import InputError
from beltwatch.timescales import format_utc

GENESIS = "0" * 64


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _last_line(handle) -> str | None:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    if size == 0:
        return None
    step = min(size, 1 << 16)
    while True:
        handle.seek(size - step)
        tail = handle.read(step)
        lines = tail.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or step == size:
            return lines[-1].decode("utf-8")
        step = min(size, step * 2)


def append_audit(path: str | Path, event: dict) -> dict:
    """Append one event (any JSON-able fields) to the log and return it with seq/hash."""
    from astropy.time import Time

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            last = _last_line(handle)
            if last is None:
                seq, prev = 1, GENESIS
            else:
                previous = json.loads(last)
                seq, prev = int(previous["seq"]) + 1, previous["hash"]
            entry = {"seq": seq, "time": format_utc(Time.now()), **event, "prev": prev}
            entry["hash"] = _digest(entry)
            handle.seek(0, os.SEEK_END)
            handle.write((json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return entry


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    records: int
    bad_line: int | None = None
    bad_seq: int | None = None
    reason: str = ""
    head: str = GENESIS  # hash of the last good record: keep it elsewhere to detect truncation


def verify_audit_log(path: str | Path) -> AuditCheck:
    """Check every line's hash and link; the first broken one is named."""
    target = Path(path)
    if not target.is_file():
        raise InputError("audit log not found", source=str(path))
    prev, count = GENESIS, 0
    with open(target, "rb") as handle:
        for number, raw_bytes in enumerate(handle, start=1):
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError:
                return AuditCheck(False, count, number, None, "not UTF-8 text")
            if not raw.strip():
                return AuditCheck(False, count, number, None, "blank line in the log")
            try:
                entry = json.loads(raw)
                seq = entry.get("seq")
            except (json.JSONDecodeError, AttributeError):
                return AuditCheck(False, count, number, None, "not a JSON object")
            if entry.get("hash") != _digest(entry):
                return AuditCheck(False, count, number, seq, "content does not match its hash")
            if entry.get("prev") != prev:
                return AuditCheck(False, count, number, seq, "chain broken (prev hash differs)")
            if seq != count + 1:
                return AuditCheck(
                    False, count, number, seq, f"sequence {seq}, expected {count + 1}"
                )
            prev, count = entry["hash"], count + 1
    return AuditCheck(True, count, head=prev)
