"""Where the parallel stages run: in this process (default) or on a Dask cluster.

Work is partitioned the same way in both (one task per host and truth part for the
observe stage, one per object for batch least squares, one per fixed-size chunk of objects
for the vectorised EKF), so a distributed run computes exactly what the local run does.
Task functions are module-level (picklable) and pure: inputs in, results out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol


class Executor(Protocol):
    """Maps a function over argument tuples and returns the results in order."""

    description: str

    def map(self, fn: Callable[..., Any], args: Sequence[tuple]) -> list: ...

    def close(self) -> None: ...


class LocalExecutor:
    """Runs every task here, one after the other."""

    description = "local (in-process)"

    def map(self, fn: Callable[..., Any], args: Sequence[tuple]) -> list:
        return [fn(*a) for a in args]

    def close(self) -> None:
        return None


class DaskExecutor:
    """Runs tasks on the Dask scheduler at ``address`` (``tcp://host:port``)."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        from beltwatch.errors import InputError

        try:
            self._client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler ({exc})", field="scheduler") from exc
        workers = self._client.scheduler_info().get("workers", {})
        self.description = f"dask {address} ({len(workers)} workers)"

    def map(self, fn: Callable[..., Any], args: Sequence[tuple]) -> list:
        if not args:
            return []
        futures = [self._client.submit(fn, *a, pure=False) for a in args]
        return self._client.gather(futures)

    def close(self) -> None:
        self._client.close()


def make_executor(scheduler: str | None) -> Executor:
    """The local executor, or a Dask one for a scheduler address."""
    if not scheduler:
        return LocalExecutor()
    return DaskExecutor(scheduler)
