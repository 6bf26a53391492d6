"""Run every benchmarks/bench_*.py module's ``run()`` and write benchmarks/results.json.

Each ``run()`` returns a dict of figures measured in this same run, with the
baseline it is compared against and their ratio. ``python -m benchmarks NAME``
runs only the modules whose name contains NAME.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    console = Console()
    selected = [a for a in argv if not a.startswith("-")]
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if any(s in m for s in selected)]
    results_path = HERE / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["_machine"] = {"python": platform.python_version(), "machine": platform.machine()}
    for name in modules:
        console.rule(name)
        started = time.perf_counter()
        figures = importlib.import_module(f"benchmarks.{name}").run()
        figures["_wall_s"] = round(time.perf_counter() - started, 2)
        figures["_measured_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
        results[name.removeprefix("bench_")] = figures
        console.print_json(json.dumps(figures))
    tmp = results_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(results_path)
    console.print(f"wrote {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
