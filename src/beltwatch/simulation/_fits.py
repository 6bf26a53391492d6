"""FITS frames and truth sidecars on disk: ``<frame_id>.fits`` beside ``<frame_id>.truth.json``."""

from __future__ import annotations

import io
import json
from pathlib import Path

from astropy.io import fits

from beltwatch._io import write_atomic
from beltwatch.simulation._frames import SimulatedFrame

TRUTH_SUFFIX = ".truth.json"


def frame_bytes(frame: SimulatedFrame) -> bytes:
    """The frame as FITS bytes (primary HDU, uint16 pixels)."""
    buffer = io.BytesIO()
    fits.PrimaryHDU(frame.pixels, header=frame.header).writeto(buffer)
    return buffer.getvalue()


def write_frame(directory: str | Path, frame: SimulatedFrame) -> Path:
    """Write ``<frame_id>.fits`` and its truth sidecar atomically; returns the FITS path."""
    directory = Path(directory)
    path = write_atomic(directory / f"{frame.frame_id}.fits", frame_bytes(frame))
    write_atomic(directory / f"{frame.frame_id}{TRUTH_SUFFIX}", json.dumps(frame.truth) + "\n")
    return path


def read_truth(fits_path: str | Path) -> dict:
    """The truth sidecar of a simulated FITS frame."""
    path = Path(fits_path)
    return json.loads(path.with_name(path.name.removesuffix(".fits") + TRUTH_SUFFIX).read_text())
