"""The house's wiring: screens named in code, nothing discovered at run time."""
import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_admin_screen_is_named_in_routes():
    """Is every module of the admin view named in station_admin/routes.py (or a helper of it)?"""
    folder = os.path.join(ROOT, "station_admin")
    modules = {name[:-3] for name in os.listdir(folder)
               if name.endswith(".py") and name not in ("__init__.py", "blueprint.py",
                                                         "routes.py")}
    with open(os.path.join(folder, "routes.py"), encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    named = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "station_admin" for alias in node.names}
    assert modules - named == set()


def test_every_kiosk_module_with_routes_is_named_in_routes():
    """Is each kiosk module that adds routes to the blueprint named in kiosk/routes.py?"""
    folder = os.path.join(ROOT, "kiosk")
    with_routes = set()
    for name in os.listdir(folder):
        if name.endswith(".py") and name not in ("blueprint.py", "routes.py"):
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                if "@bp.route(" in fh.read():
                    with_routes.add(name[:-3])
    with open(os.path.join(folder, "routes.py"), encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    named = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "kiosk" for alias in node.names}
    assert with_routes and with_routes - named == set()
