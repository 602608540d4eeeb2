"""The package's module graph: no import circle, and MLflow imported in two modules only."""

from __future__ import annotations

import ast
from pathlib import Path

import framing

PACKAGE = Path(framing.__file__).resolve().parent


def _runtime_imports(tree: ast.Module) -> list[str]:
    """Modules a file imports when it runs (anywhere, functions included), leaving out the
    ``if TYPE_CHECKING:`` blocks, which only the type checker reads."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped |= {id(child) for child in ast.walk(node)}
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def _modules() -> dict[str, list[str]]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("framing", *path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
    return modules


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_between_modules() -> None:
    modules = _modules()
    # ``framing`` itself (the lazy public names) is left out: every module may import from it.
    graph = {m: {t for t in imports if t in modules and t not in (m, "framing")} for m, imports in modules.items()}
    assert "framing.model" in graph and "framing.scoring" in graph["framing.cli"]  # the graph is read
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_track_and_the_pyfunc_import_mlflow() -> None:
    users = sorted(name for name, imports in _modules().items() if any(t == "mlflow" or t.startswith("mlflow.") for t in imports))
    assert users == ["framing._model_code", "framing.track"]
