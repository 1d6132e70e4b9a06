"""The layering of docs/architecture.md, checked mechanically.

The contracts live in pyproject.toml (``[tool.importlinter]``) and are checked on the
import graph, indirect imports included. A fresh interpreter then imports each core
module on its own and looks at ``sys.modules``, which also catches imports that the
graph cannot see (``importlib``, ``__import__``). agreement/ computes from data: its
source is read for file and terminal I/O.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import tcoder
from studykit import REPO

PACKAGE = Path(tcoder.__file__).parent
CONTRACTS = {c["id"]: c for c in tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
             ["tool"]["importlinter"]["contracts"]}
CORE = CONTRACTS["core"]["source_modules"]
#: the modules that may render and print (Textual, Rich, pandas); every other one is core
OUTER = {"tcoder.tui", "tcoder.commands", "tcoder.cli", "tcoder.__main__", "tcoder.console", "tcoder.reports"}


def test_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache", "--no-logo", str(REPO / "pyproject.toml")],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_is_core_unless_it_renders():
    """A new top-level module is checked as core: it must be named in the 'core' contract
    (pyproject.toml), so no module escapes the contracts by being forgotten."""
    modules = {f"tcoder.{m.name}" for m in pkgutil.iter_modules([str(PACKAGE)])}
    assert sorted(modules - OUTER - set(CORE)) == [], "add these modules to the 'core' contract in pyproject.toml"
    assert sorted(set(CORE) - modules) == [], "these modules in the 'core' contract no longer exist"
    assert OUTER & set(CORE) == set()


_PROBE = """
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
forbidden = ("textual", "rich", "pandas", "tcoder.tui", "tcoder.commands", "tcoder.cli", "tcoder.reports")
print(json.dumps(sorted(m for m in sys.modules if m in forbidden or m.startswith(tuple(f + "." for f in forbidden)))))
"""


def test_each_core_module_alone_in_a_fresh_interpreter_loads_no_ui_or_pandas():
    """One interpreter per top-level core module (a package with all its submodules)."""
    def probe(modules: list[str]) -> list[str]:
        done = subprocess.run([sys.executable, "-c", _PROBE.format(modules=modules)], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, (modules, done.stderr)
        return json.loads(done.stdout)

    groups = [_with_submodules(name) for name in CORE]
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        loaded = dict(zip(CORE, pool.map(probe, groups), strict=True))
    assert {module: names for module, names in loaded.items() if names} == {}


def _with_submodules(name: str) -> list[str]:
    """A module, or a package and every module in it."""
    path = PACKAGE / name.removeprefix("tcoder.")
    if not path.is_dir():
        return [name]
    return [name] + [m.name for m in pkgutil.walk_packages([str(path)], prefix=name + ".")]


#: Names whose use means file, process or terminal I/O in a computation.
_IO_MODULES = {"os", "io", "pathlib", "shutil", "tempfile", "glob", "subprocess", "socket", "sys", "pickle"}
_IO_CALLS = {"open", "print", "input"}
_IO_METHODS = {"read_text", "write_text", "read_bytes", "write_bytes", "open", "mkdir", "unlink", "touch",
               "save", "savez", "savetxt", "load", "loadtxt", "fromfile", "tofile", "genfromtxt"}


def _io_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in _IO_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in _IO_MODULES:
            found.append(node.module)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in _IO_CALLS:
                found.append(f"{node.func.id}() at line {node.lineno}")
            elif isinstance(node.func, ast.Attribute) and node.func.attr in _IO_METHODS:
                found.append(f".{node.func.attr}() at line {node.lineno}")
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "agreement").glob("*.py")), ids=lambda p: p.name)
def test_agreement_does_no_io(path: Path):
    assert _io_uses(path.read_text("utf-8")) == []


def test_the_probes_notice_what_they_look_for(tmp_path):
    bad = "import os\nimport textual.app\n\ndef f(p, a):\n    print(open(p).read())\n    a.tofile(p)\n"
    assert sorted(_io_uses(bad)) == [".tofile() at line 6", "open() at line 5", "os", "print() at line 5"]
    (tmp_path / "uses_textual.py").write_text(bad)
    out = subprocess.run([sys.executable, "-c", _PROBE.format(modules=["uses_textual"])], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    assert "textual" in json.loads(out) and "textual.app" in json.loads(out)
