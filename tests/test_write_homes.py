"""Every write lives in the core: no view, command or roster-import module writes a model.

The faces (kiosk/, station_admin/), the command modules (core/cli.py, core/cli_common.py,
core/*_cli.py), the roster import's modules (core/roster_*.py) and every click command
anywhere in the core parse, call a core function and render; they never call ``.save()``,
``.create()``, ``insert``, ``update``, ``delete`` and the like on a model themselves.
"""
import ast
import pathlib

import pytest

import models

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL_NAMES = {model.__name__ for model in models.MODELS}
# Methods that write when called on a model class (Person.update(...).execute(), ...).
CLASS_WRITES = {"create", "insert", "insert_many", "insert_from", "update", "delete",
                "replace", "replace_many", "get_or_create", "bulk_create", "bulk_update",
                "delete_by_id", "set_by_id", "truncate_table", "drop_table", "create_table"}
SQL_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _is_model(node):
    """A model class as written in code: Person, models.Person, type(device)."""
    if isinstance(node, ast.Name):
        return node.id in MODEL_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in MODEL_NAMES
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "type")


def _writes_sql(call):
    first = call.args[0] if call.args else None
    return (isinstance(first, ast.Constant) and isinstance(first.value, str)
            and first.value.lstrip().upper().startswith(SQL_WRITES))


def model_writes(tree):
    """(line, what) of every call in the tree that writes a model row directly."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "insert_row":
            found.append((node.lineno, "insert_row()"))
        if not isinstance(func, ast.Attribute):
            continue
        name = func.attr
        if name in CLASS_WRITES and _is_model(func.value):
            found.append((node.lineno, ".%s() on a model" % name))
        elif name == "save" and not node.args:  # a row's save(); a workbook's takes a file
            found.append((node.lineno, ".save()"))
        elif name == "delete_instance":
            found.append((node.lineno, ".delete_instance()"))
        elif name in ("execute_sql", "execute") and _writes_sql(node):
            found.append((node.lineno, "SQL %s" % node.args[0].value.split()[0]))
    return found


def _is_command(function):
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ("command", "group"):
            return True
    return False


def _modules():
    """(path, whole module?) for every file the rule covers."""
    whole = sorted(ROOT.glob("kiosk/**/*.py")) + sorted(ROOT.glob("station_admin/**/*.py"))
    whole += sorted(ROOT.glob("core/cli*.py")) + sorted(ROOT.glob("core/*_cli.py")) + sorted(ROOT.glob("core/roster_*.py"))
    others = [p for p in sorted(ROOT.glob("core/**/*.py")) + [ROOT / "models.py"]
              if p not in whole]
    return [(p, True) for p in whole] + [(p, False) for p in others]


def violations():
    """'path:line what' for every direct model write in a face, command or import module."""
    found = []
    for path, whole in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if whole:
            scopes = [tree]
        else:  # a core module: only the click commands it defines
            scopes = [node for node in ast.walk(tree)
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and _is_command(node)]
        for scope in scopes:
            for line, what in model_writes(scope):
                found.append("%s:%d %s" % (path.relative_to(ROOT), line, what))
    return sorted(set(found))


def test_views_commands_and_the_import_write_no_model():
    """Does every view, command and roster-import module leave its writes to the core?"""
    assert violations() == []


def test_the_rule_covers_the_faces_the_commands_and_the_import():
    """Are the kiosk, the admin screens, the command modules and the import all checked?"""
    checked = {str(p.relative_to(ROOT)) for p, whole in _modules() if whole}
    for expected in ("kiosk/views.py", "station_admin/people.py", "station_admin/today.py",
                     "core/cli.py", "core/security_cli.py", "core/roster_cli.py",
                     "core/roster_apply.py", "core/roster_plan.py"):
        assert expected in checked


@pytest.mark.parametrize("code, caught", [
    ("person.save()", True),
    ("device.save(only=[type(device).last_seen_at])", True),
    ("Person.create(name='x')", True),
    ("models.Consent.create(person=p)", True),
    ("HelpRequest.update(note='').where(HelpRequest.id == 1).execute()", True),
    ("type(device).update(last_seen_at=now).execute()", True),
    ("Badge.insert_many(rows).execute()", True),
    ("Person.delete().execute()", True),
    ("badge.delete_instance()", True),
    ("insert_row(Visit, person=p)", True),
    ("db.execute_sql('UPDATE person SET name = NULL')", True),
    ("book.save(out)", False),
    ("meta.update(sheet=sheet)", False),
    ("text.replace('a', 'b')", False),
    ("db.execute_sql('SELECT 1')", False),
    ("core_people.update_person(person, values, actor=user)", False),
])
def test_the_rule_tells_a_model_write_from_other_calls(code, caught):
    """Does the check find a model written directly, and leave other saves and updates be?"""
    assert bool(model_writes(ast.parse(code))) is caught
