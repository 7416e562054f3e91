"""The packages are layers, each importing only those below it: reference < checks < assignments < grading < grader.py.

Every import counts, those inside functions included: a late import is still a dependency, and a cycle of late
imports is still a cycle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("reference", "checks", "assignments", "grading", "grader")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for layer in LAYERS[:-1] for p in (ROOT / layer).rglob("*.py")} | {"grader": ROOT / "grader.py"}


def imported(name: str) -> set[str]:
    """The project's modules that module ``name`` imports, anywhere in it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], *([node.module] if node.module else [])])
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names)
    return {module for module in map(_known, found) if module and module != name}


def _known(name: str) -> str:
    """``name``, or the nearest package holding it, if it is one of the project's modules; else ""."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


GRAPH = {name: imported(name) for name in MODULES}


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_nothing_from_a_layer_above_its_own(module):
    above = sorted(m for m in GRAPH[module] if layer(m) > layer(module))
    assert not above, f"{module} ({LAYERS[layer(module)]}) imports {', '.join(above)}, from a layer above it"


def test_no_module_imports_the_command_line():
    assert not [m for m, imports in GRAPH.items() if "grader" in imports]


def test_the_benchmarks_use_the_api_not_the_command_line_module():
    for path in (ROOT / "benchmarks").glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "grader" not in names, path.name


def test_the_import_graph_has_no_cycle():
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = path[path.index(module) :] + [module]
            raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
        if module in done:
            return
        for other in sorted(GRAPH[module]):
            visit(other, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_the_graph_is_read_right_on_a_known_edge():
    # Guards the parser itself: a graph read as empty would pass every test above.
    assert "grading.single" in GRAPH["grading.batch"] and "checks.property" in GRAPH["grading.score"]
    assert "reference" in {m.split(".")[0] for m in GRAPH["checks.layer"]}
