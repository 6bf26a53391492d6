"""The CLI contract, in one place, for every command.

* Bad input is one line on stderr and exit code 2 (``main`` catches project errors,
  unreadable files and too-big requests); never a traceback.
* Output paths are checked before any work starts: a file output is not an existing
  directory and its directory exists and is writable; a directory output is new (or
  empty). Nothing is created above a missing directory.
* Requests that would not fit in memory are refused before allocating, with the size
  and a suggestion.
* Ctrl-C and SIGTERM end a command with a message and exit code 130; multi-file
  outputs are written to a staging directory renamed into place on success, so an
  interrupted command leaves nothing half-written.
"""

from __future__ import annotations

import math
import os
import signal
from pathlib import Path

from beltwatch._io import staged_directory
from beltwatch._limits import check_disk, check_memory
from beltwatch.errors import InputError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "check_disk",
    "check_memory",
    "install_signal_handlers",
    "output_directory",
    "output_file",
    "positive",
    "staged_directory",
]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that clean-up code runs the same way."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Interrupted()


def install_signal_handlers() -> None:
    """SIGTERM behaves as Ctrl-C (the main thread gets a KeyboardInterrupt)."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def _writable_parent(path: Path, option: str) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(
            f"directory {parent} does not exist (create it first; nothing is created above it)",
            field=option,
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"directory {parent} is not writable", field=option)


def output_file(path: Path, option: str, suffixes: tuple[str, ...] = ()) -> Path:
    """``path`` checked as a file output: not a directory, its directory writable, and
    (when ``suffixes`` are given) one of those extensions."""
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name", field=option)
    if suffixes and path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: expected a file ending in {' or '.join(suffixes)}", field=option)
    _writable_parent(path, option)
    return path


def output_directory(path: Path, option: str) -> Path:
    """``path`` checked as a directory output: new or empty, its parent writable."""
    if path.exists():
        if not path.is_dir():
            raise InputError(f"{path} exists and is a file; give a directory", field=option)
        if any(path.iterdir()):
            raise InputError(
                f"{path} exists and is not empty; give a new directory (nothing is overwritten)",
                field=option,
            )
    _writable_parent(path, option)
    return path


def positive(value: float, option: str, *, allow_zero: bool = False) -> float:
    """``value`` when finite and positive (or zero when allowed), else an error naming it."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        wanted = "a finite number >= 0" if allow_zero else "a finite positive number"
        raise InputError(f"expected {wanted}, got {value}", field=option)
    return value
