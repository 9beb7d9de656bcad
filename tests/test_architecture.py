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


# --- connection methods: only a partner class and its method objects know a method's name ----------

METHOD_NAMES = frozenset({"email", "api", "ftp", "afnor", "webhook"})
METHOD_OWNER_DIRS = ("partners/catalogue", "partners/methods")
TEMPLATE_METHOD_TEST = __import__("re").compile(
    r"""(==|!=)\s*["'](?:email|api|ftp|afnor|webhook)["']|["'](?:email|api|ftp|afnor|webhook)["']\s*(==|!=)"""
    r"""|\bkind\s*(==|!=)|\.method\s*(==|!=)""")


def _owns_methods(path: Path, tree: ast.AST) -> bool:
    """A partner class's module or a method object's: in the catalogue, or defining such a class."""
    if str(path.relative_to(PACKAGE).parent).startswith(METHOD_OWNER_DIRS):
        return True
    return any(isinstance(node, ast.ClassDef) and any(
        ast.unparse(base).split(".")[-1].endswith(("Method", "PartnerApp")) for base in node.bases)
        for node in ast.walk(tree))


def _method_name_tests(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            constants = {o.value for o in operands if isinstance(o, ast.Constant) and isinstance(o.value, str)}
            for operand in operands:
                if isinstance(operand, ast.Tuple | ast.List | ast.Set):
                    constants |= {e.value for e in operand.elts if isinstance(e, ast.Constant)}
            if constants & METHOD_NAMES and not any("channel" in ast.unparse(o) for o in operands):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Name | ast.Attribute) and (getattr(node, "id", None) or getattr(node, "attr", None)) \
                == "API_DESTINATION":
            found.append((node.lineno, "API_DESTINATION"))
    return found


def test_no_code_outside_partner_classes_and_method_objects_tests_a_method_name():
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        if _owns_methods(path, tree):
            continue
        offenders += [f"{path.relative_to(PACKAGE)}:{line}: {text}" for line, text in _method_name_tests(tree)]
    for path in sorted(PACKAGE.rglob("templates/**/*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if TEMPLATE_METHOD_TEST.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()[:120]}")
    assert not offenders, "test a method's attribute, or ask the method object:\n" + "\n".join(offenders)


def test_the_method_name_check_sees_python_and_templates():
    tree = ast.parse('if connection.method == "api" or request.POST.get("method") != "email":\n    pass\n'
                     'x = API_DESTINATION\n')
    assert len(_method_name_tests(tree)) == 3
    assert TEMPLATE_METHOD_TEST.search('{% if app.kind == "email" %}')
    assert TEMPLATE_METHOD_TEST.search('{% if row.method != "api" %}')
    assert not _method_name_tests(ast.parse('if request.method == "POST":\n    pass\n'))
