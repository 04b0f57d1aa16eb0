"""The house's imports: no cycle, and the kiosk's routes named in code like the admin view's."""
import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("core", "kiosk", "station_admin")


def _modules():
    """{dotted name: path} of the product's own modules (app, models, the three packages)."""
    found = {"app": os.path.join(ROOT, "app.py"), "models": os.path.join(ROOT, "models.py")}
    for package in PACKAGES:
        for name in os.listdir(os.path.join(ROOT, package)):
            if name.endswith(".py"):
                dotted = package if name == "__init__.py" else "%s.%s" % (package, name[:-3])
                found[dotted] = os.path.join(ROOT, package, name)
    return found


def _imports(path, known):
    """The product modules a module imports when it is loaded (its top-level imports)."""
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update("%s.%s" % (node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name in known}


def _cycle(graph):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                return stack[stack.index(other):] + [other]
            if other not in state:
                found = visit(other)
                if found:
                    return found
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_no_module_imports_itself_back():
    """Can every module of the product be loaded without an import cycle?"""
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    assert _cycle(graph) is None
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]  # the check itself sees one


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
