"""The package tree reads as the flow, and its imports point only down it.

Stages, in the order the data flows through them: content (the tip file format,
loading and validation) → importing (scraped pages into tip files) → tagging →
search → site. A stage may import an earlier stage and the shared base modules,
never a later stage, an orchestrator or the CLI; the base modules import no stage;
and no module imports itself back through a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "generator"
STAGES = ("content", "importing", "tagging", "search", "site")
BASE = {"model", "errors", "files", "clock", "cache", "workers", "layout"}
ORCHESTRATORS = {"build", "cli", "serve", "__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[str]:
    """Every generator module a file imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "generator":
                yield from (f"generator.{a.name}" for a in node.names)
            elif node.module.startswith("generator."):
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("generator"))


GRAPH = {module_name(p): set(imports(p)) for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> tuple[str, int]:
    """('base' | 'stage' | 'top', rank): what a module may import is decided by this."""
    top = module.split(".")[1] if "." in module else ""
    if top in STAGES:
        return "stage", STAGES.index(top)
    if top in BASE:
        return "base", -1
    return "top", len(STAGES)


def test_no_relative_imports_hide_the_flow() -> None:
    relative = [
        f"{p.relative_to(PACKAGE)}:{n.lineno}"
        for p in PACKAGE.rglob("*.py")
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(n, ast.ImportFrom) and n.level
    ]
    assert relative == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_flow(module: str) -> None:
    kind, rank = layer(module)
    wrong = []
    for target in GRAPH[module]:
        target_kind, target_rank = layer(target)
        if kind == "base" and target_kind != "base":
            wrong.append(f"{target} (a base module imports no stage)")
        elif kind == "stage" and (target_kind == "top" or target_rank > rank):
            wrong.append(f"{target} (a later stage, or an orchestrator)")
    assert wrong == [], f"{module} imports {wrong}"


def test_there_is_no_import_circle() -> None:
    """Depth-first search for a back edge; names the circle when it finds one."""
    known = {m for m in GRAPH}
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for target in sorted(GRAPH.get(module, set()) & known):
            if state.get(target) == "open":
                return [*path, module, target]
            if target not in state and (circle := visit(target, [*path, module])):
                return circle
        state[module] = "done"
        return None

    for module in sorted(GRAPH):
        if module not in state:
            assert visit(module, []) is None, "import circle"


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_says_its_part_of_the_flow(stage: str) -> None:
    init = PACKAGE / stage / "__init__.py"
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))


def test_the_top_level_holds_only_the_orchestrators_and_the_base() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules <= ORCHESTRATORS | BASE, modules - ORCHESTRATORS - BASE
