"""Run every benchmark module (bench/<name>.py with a main()), or those named on the command line.

    .venv/bin/python -m bench                 all of them
    .venv/bin/python -m bench checkin badges  some of them
"""
import importlib
import os
import pkgutil
import platform
import sys
import time


def main(names):
    """Run the benchmarks and print a header naming the machine and the date."""
    here = os.path.dirname(os.path.abspath(__file__))
    available = sorted(m.name for m in pkgutil.iter_modules([here]) if not m.name.startswith("_"))
    # A module without main() is a helper of a benchmark (bench/bare_app.py), not one itself.
    available = [n for n in available if hasattr(importlib.import_module("bench." + n), "main")]
    chosen = names or available
    print("# Benchmarks · %s · %s · %s CPU · Python %s" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), platform.machine(),
        os.cpu_count(), platform.python_version()))
    for name in chosen:
        if name not in available:
            sys.exit("No benchmark named %r (have: %s)" % (name, ", ".join(available)))
        print("\n## %s" % name, flush=True)
        importlib.import_module("bench.%s" % name).main()


if __name__ == "__main__":
    main(sys.argv[1:])
