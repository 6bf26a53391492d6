"""Package boundaries: no reach into another package's private modules, no import
cycles between packages, and real-data paths that never load the simulator.

Each rule is a function over source text, so a planted violation proves it can fail.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "beltwatch"


def _imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, dotted module) of every ``import``/``from ... import`` of beltwatch."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
    return [(line, m) for line, m in out if m == "beltwatch" or m.startswith("beltwatch.")]


def private_reach_ins(source: str, own_package: str | None) -> list[tuple[int, str]]:
    """Imports of ``beltwatch.<pkg>._<module>`` where ``<pkg>`` is not ``own_package``."""
    found = []
    for line, module in _imported_modules(source):
        parts = module.split(".")
        if len(parts) >= 3 and parts[2].startswith("_") and parts[1] != own_package:
            found.append((line, module))
    return found


def _package_of(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0].removesuffix(".py")


def package_imports() -> dict[str, set[str]]:
    """Package -> the other beltwatch packages it imports (top-level modules count as packages)."""
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        if path.parent == SRC and path.name == "__init__.py":
            continue
        package = _package_of(path)
        deps = graph.setdefault(package, set())
        for _line, module in _imported_modules(path.read_text()):
            parts = module.split(".")
            if len(parts) >= 2 and parts[1] != package:
                deps.add(parts[1])
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of packages, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_package_reaches_into_another_packages_private_modules():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        for line, module in private_reach_ins(path.read_text(), _package_of(path)):
            offenders.append(f"src/beltwatch/{path.relative_to(SRC)}:{line}: {module}")
    for path in sorted((ROOT / "benchmarks").rglob("*.py")):
        for line, module in private_reach_ins(path.read_text(), None):
            offenders.append(f"benchmarks/{path.name}:{line}: {module}")
    for path in sorted((ROOT / "tests").rglob("*.py")):
        rel = path.relative_to(ROOT / "tests").parts
        own = rel[0] if len(rel) > 1 else None  # tests/<pkg>/ may test <pkg>'s internals
        for line, module in private_reach_ins(path.read_text(), own):
            offenders.append(f"tests/{'/'.join(rel)}:{line}: {module}")
    assert offenders == [], "export what you need in the package's __init__:\n" + "\n".join(
        offenders
    )


def test_the_private_import_check_catches_a_planted_reach_in():
    source = "from beltwatch.formats._io import read_text\nimport beltwatch.sensors._camera\n"
    assert len(private_reach_ins(source, "cli")) == 2
    assert private_reach_ins(source, "formats") == [(2, "beltwatch.sensors._camera")]
    assert private_reach_ins("from beltwatch.formats import read_text\n", "cli") == []


def test_packages_form_no_import_cycle():
    graph = package_imports()
    assert {"catalog", "formats", "orbit_determination", "cli"} <= set(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_the_cycle_check_catches_a_planted_cycle():
    graph = package_imports()
    planted = {k: set(v) for k, v in graph.items()}
    planted["timescales"].add("cli")  # cli imports (indirectly) timescales
    assert find_cycle(planted) is not None


def test_real_data_paths_never_load_the_simulator():
    packages = ("processing", "association", "orbit_determination", "formats", "sharing")
    code = (
        f"import sys; import {', '.join('beltwatch.' + p for p in packages)}; "
        "print(sorted(m for m in sys.modules if m.startswith('beltwatch.simulation')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"real-data paths load {result.stdout.strip()}"
