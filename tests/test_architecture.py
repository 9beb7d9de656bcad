"""The dependency line of docs/architecture.md, enforced: every `import` of `comptoir.<app>` in the
package's source (module level or inside a function) points down the line, never up or sideways.

A registration (an app's `ready()` filling a registry of the app below) is how an app below learns of
one above; dotted paths in strings (`import_string`, settings) are not imports and are not walked.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "comptoir"

# Bottom to top; the apps of one tier do not import each other. `ops` (health, metrics, `serve`)
# may import every app; the project's own modules (`settings`, `wsgi`, `urls`) are above it.
LINE: list[set[str]] = [
    {"core", "formats"},
    {"jobs"},
    {"accounts"},
    {"firms"},
    {"ged"},
    {"invoices"},
    {"partners"},
    {"delivery", "intake"},
    {"docrequests", "einvoicing"},
    {"api", "web"},
    {"ops"},
    {"settings", "wsgi", "urls"},
]
TIER = {app: rank for rank, apps in enumerate(LINE) for app in apps}


def _imported_apps(path: Path) -> set[tuple[str, int]]:
    """(app, line) for each `comptoir.<app>` the module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "comptoir":  # `from comptoir import ged`
                names = [f"comptoir.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "comptoir" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def _app_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts
                  and (p.parent != PACKAGE or p.stem in {"settings", "wsgi", "urls"}))


def _edges() -> list[tuple[str, str, str]]:
    """(importing app, imported app, where) for every import between two different apps."""
    edges = []
    for path in _sources():
        app = _app_of(path)
        for imported, line in _imported_apps(path):
            if imported != app:
                edges.append((app, imported, f"{path.relative_to(PACKAGE.parent)}:{line}"))
    return edges


def test_every_app_of_the_package_has_a_place_on_the_line():
    apps = {_app_of(path) for path in _sources()} | {imported for _, imported, _ in _edges()}
    assert apps - set(TIER) == set(), "a new app: give it a tier in LINE and in docs/architecture.md"


def test_imports_point_down_the_dependency_line_only():
    wrong = [f"{where}: {app} imports {imported}" for app, imported, where in _edges()
             if TIER[imported] >= TIER[app]]
    assert wrong == []


def test_core_imports_no_app_above_it():
    above = [f"{where}: {imported}" for app, imported, where in _edges() if app == "core"]
    assert above == []


def test_accounts_and_firms_depend_one_way():
    """`firms` holds memberships of `accounts`' users; `accounts` learns of firms only by registration."""
    assert [where for app, imported, where in _edges() if (app, imported) == ("accounts", "firms")] == []
    assert any((app, imported) == ("firms", "accounts") for app, imported, _ in _edges())


@pytest.mark.parametrize("source", [
    "from comptoir.web.demo import demo_seed\n",
    "def f():\n    import comptoir.ops.health\n",
    "from comptoir import web\n",
])
def test_the_walk_sees_lazy_and_package_imports(tmp_path, source):
    module = tmp_path / "m.py"
    module.write_text(source)
    assert {app for app, _ in _imported_apps(module)} & {"web", "ops"}
