"""The package's layers, pinned: which module may import which (issue 12).

Read from the source with `ast` (every import statement, also those inside functions; imports under
`if TYPE_CHECKING:` are for type checkers only and are left out), so a lazy import cannot hide a
dependency. The layers, lowest first, are in `LAYERS`; a module may import its own layer and the
layers below it, never above. Flask and Werkzeug belong to the web and the command line only.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kgqa"

# (layer name, module prefixes): lowest first. `kgqa.kg` (the build) sits beside the service's
# layers: it may use the vocabulary and settings, and only the command line imports it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundations", ("kgqa.vocab", "kgqa.errors", "kgqa.settings", "kgqa")),
    ("sparql", ("kgqa.sparql",)),
    ("store", ("kgqa.store",)),
    ("runner", ("kgqa.sparql.runner",)),
    ("canned", ("kgqa.canned",)),
    ("qa", ("kgqa.qa",)),
    ("state", ("kgqa.state",)),
    ("build", ("kgqa.kg",)),
    ("interfaces", ("kgqa.web", "kgqa.cli")),
]
WEB_ONLY = ("flask", "werkzeug", "jinja2")
FLASK_ALLOWED = ("kgqa.web", "kgqa.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int:
    """The index of the most specific layer the module belongs to (longest matching prefix)."""
    best, best_len = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if _in(module, prefix) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS"
    return best


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module `module` imports at run time (absolute names; `from a import b` gives a.b if that
    is a module of the package, else a)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
                for _ in range(node.level - 1):
                    package = package.rsplit(".", 1)[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return frozenset(found)


def internal_imports(module: str) -> set[str]:
    return {m for m in imports_of(module) if m in MODULES and m != module}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module: str) -> None:
    here = layer_of(module)
    upward = sorted(m for m in internal_imports(module) if layer_of(m) > here)
    assert not upward, (
        f"{module} ({LAYERS[here][0]}) imports {', '.join(upward)} from a higher layer; "
        "move the shared code down or pass it in"
    )


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not any(_in(m, p) for p in FLASK_ALLOWED)))
def test_only_the_web_and_the_cli_import_flask(module: str) -> None:
    web = sorted(m for m in imports_of(module) if m.split(".")[0] in WEB_ONLY)
    assert not web, f"{module} imports {', '.join(web)}: only kgqa.web and kgqa.cli may"


def test_the_worker_pool_imports_nothing_of_the_web_or_the_service_above_it() -> None:
    """What a query worker process loads: kgqa.store.pool and everything it imports, transitively."""
    seen, todo = set(), ["kgqa.store.pool"]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(internal_imports(current))
    above = sorted(m for m in seen if layer_of(m) > layer_of("kgqa.store.pool"))
    assert not above, f"the worker pool pulls in {', '.join(above)}"
    web = sorted({m for s in seen for m in imports_of(s) if m.split(".")[0] in WEB_ONLY})
    assert not web, f"the worker pool pulls in {', '.join(web)}"


def test_there_are_no_import_cycles() -> None:
    """Depth-first search over run-time imports; a back edge is a cycle."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(internal_imports(module)):
            # A package's __init__ importing its own submodules (a re-export) is not a cycle of layers.
            if _in(target, module):
                continue
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(MODULES):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_the_layer_table_knows_every_module() -> None:
    for module in MODULES:
        layer_of(module)  # asserts
