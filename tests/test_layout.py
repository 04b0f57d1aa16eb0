"""The house's layout: files the size of one idea, no import cycle, no import hidden in a
function to dodge one."""
import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("core", "kiosk", "station_admin")
MAX_LINES = 450


def product_files():
    """{module name: path} of models.py, app.py and every module of the product's packages."""
    files = {"models": os.path.join(ROOT, "models.py"), "app": os.path.join(ROOT, "app.py")}
    for package in PACKAGES:
        folder = os.path.join(ROOT, package)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                module = package if name == "__init__.py" else "%s.%s" % (package, name[:-3])
                files[module] = os.path.join(folder, name)
    return files


def _tree(path):
    with open(path, encoding="utf-8") as fh:
        return ast.parse(fh.read())


def _imported(node, modules):
    """The product modules an import statement names (`from core import x` names core.x)."""
    found = []
    if isinstance(node, ast.Import):
        found = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        submodules = ["%s.%s" % (node.module, alias.name) for alias in node.names]
        found = [name for name in submodules if name in modules] or [node.module]
    return [name for name in found if name in modules]


def _outside_functions(node):
    """The nodes under `node` that run when the module loads (function bodies left out)."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield child
            yield from _outside_functions(child)


def import_graph():
    """{module: product modules it imports when it is loaded (not inside functions)}."""
    files = product_files()
    graph = {}
    for module, path in files.items():
        edges = set()
        for node in _outside_functions(_tree(path)):
            edges.update(_imported(node, files))
        graph[module] = edges - {module}
    return graph


def test_no_file_is_longer_than_one_idea():
    """Is every module of the product (core, kiosk, station_admin, models.py) at most 450
    lines?"""
    long = {}
    for module, path in product_files().items():
        with open(path, encoding="utf-8") as fh:
            count = sum(1 for _ in fh)
        if count > MAX_LINES and module != "app":
            long[module] = count
    assert long == {}


def test_no_import_cycle():
    """Can every module of the product be loaded without one of its imports leading back
    to it?"""
    graph = import_graph()
    cycles = set()

    def visit(module, path):
        for target in sorted(graph[module]):
            if target in path:
                cycle = path[path.index(target):]
                start = cycle.index(min(cycle))
                cycles.add(tuple(cycle[start:] + cycle[:start]))
            elif len(path) < 12:
                visit(target, path + [target])

    for module in graph:
        visit(module, [module])
    assert cycles == set()


def test_no_product_import_inside_a_function():
    """Does every module import the product's modules at its top, never inside a function
    (where an import may hide a cycle)?"""
    files = product_files()
    hidden = set()
    for module, path in files.items():
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    for name in _imported(inner, files):
                        hidden.add("%s:%d imports %s" % (module, inner.lineno, name))
    assert sorted(hidden) == []
