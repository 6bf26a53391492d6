"""Project errors: every bad input names where it was found and what was expected."""

from __future__ import annotations

from pathlib import Path


class BeltwatchError(Exception):
    """Base class of every error beltwatch raises on purpose."""


class InputError(BeltwatchError):
    """Bad input data: names the source (file), line and/or field, and what was expected."""

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        self.field = field
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        """``file:line: field: `` with the parts that are known."""
        parts = []
        if self.source is not None:
            parts.append(self.source)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ": ".join(parts) + ": " if parts else ""


class PropagationError(BeltwatchError):
    """An orbit could not be propagated (the integrator failed, a worker process died)."""


class NoSolutionError(BeltwatchError, ValueError):
    """A solver found no solution for its input (IOD geometry, Lambert's problem): a
    statement about the data, for the caller to try otherwise, not a crash. (Also a
    ValueError, which callers caught before it existed.)"""
