"""File I/O shared by every package: text input with located errors, atomic output."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from beltwatch.errors import InputError


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def decode_text(data: bytes, source: str, expected: str = "a text file") -> str:
    """UTF-8 text (a BOM is dropped) or an :class:`InputError` naming the file, the line
    of the first bad byte and what was ``expected``."""
    if b"\x00" in data[:65536]:
        raise InputError(f"binary file: expected {expected}", source=source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text: expected {expected}", source=source, line=line) from exc


def read_text(path: str | Path, expected: str = "a text file") -> str:
    """A file's text (UTF-8), or an :class:`InputError` naming the file and why it cannot be
    read (missing, a directory, binary, not UTF-8), and what was ``expected``."""
    file = Path(path)
    if file.exists() and not file.is_dir() and not file.is_file():
        raise InputError(f"not a regular file (expected {expected})", source=file)
    try:
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"no such file (expected {expected})", source=file) from exc
    except IsADirectoryError as exc:
        raise InputError(f"is a directory, expected {expected}", source=file) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=file) from exc
    return decode_text(data, str(file), expected)


@contextmanager
def staged_directory(path: Path) -> Iterator[Path]:
    """A staging directory beside ``path``, renamed to ``path`` when the block succeeds
    and removed when it fails or is interrupted (an existing ``path`` must be an empty
    directory)."""
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield stage
        if path.is_dir():
            path.rmdir()  # checked empty by output_directory
        os.replace(stage, path)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
