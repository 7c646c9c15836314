"""The apps are layers: each imports only from the apps listed before it in
``INSTALLED_APPS`` (core, the catalogue, statistics, members, comparisons,
history, the pages that compose them, the API, the assistants' MCP server),
never back up; ``config`` stands apart, and nothing imports it.
docs/architecture.md states the rule; this test walks every import, at any
depth of a module."""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR).resolve()


def our_apps():
    """Our apps, bottom layer first, as INSTALLED_APPS lists them."""
    return [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
    ]


def imported_packages(path):
    """The top-level packages a module imports, with the line of each."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


def test_no_app_imports_an_app_above_it_or_the_project_package():
    layers = our_apps()
    assert layers[:2] == ["core", "frameworks"], layers
    wrong = []
    for rank, app in enumerate(layers):
        allowed = set(layers[: rank + 1])
        for path in sorted((ROOT / app).rglob("*.py")):
            for package, line in imported_packages(path):
                if (package in layers and package not in allowed) or package == "config":
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    assert wrong == []


def test_the_rule_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pages import views\n")
    assert list(imported_packages(module)) == [("pages", 2)]
