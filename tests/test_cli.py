"""The command line itself: start-up cost, help, exit codes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tcoder import __version__
from tcoder.cli import COMMANDS, build_parser

HEAVY = ("textual", "pandas", "numpy", "rich", "matplotlib", "scipy", "krippendorff", "docx", "xmlschema")

_PROBE = """
import sys
from tcoder.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("LOADED", sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_import_no_heavy_library(argv):
    result = subprocess.run([sys.executable, "-c", _PROBE.format(argv=argv, heavy=HEAVY)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stderr


def test_every_command_help_imports_no_heavy_library():
    """`tcoder COMMAND --help` must stay as light as `tcoder --help`."""
    parser = build_parser()
    names = [a for a in parser._subparsers._group_actions[0].choices]  # the commands that exist
    for name in names:
        result = subprocess.run([sys.executable, "-c", _PROBE.format(argv=[name, "--help"], heavy=HEAVY)],
                                capture_output=True, text=True)
        assert "LOADED []" in result.stderr, (name, result.stderr)


def test_version_prints_the_version(run_cli):
    assert run_cli("--version") == (0, f"tcoder {__version__}\n", "")


def test_console_script_starts_fast():
    """A guard against gross regressions; benchmarks/core.py measures the real figure."""
    script = Path(sys.executable).with_name("tcoder")
    best = min(_timed([str(script), "--version"]) for _ in range(3))
    assert best < 1.0


def _timed(argv):
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def test_no_command_prints_help_and_exits_2(run_cli):
    code, out, _ = run_cli()
    assert code == 2 and "COMMAND" in out


def test_unknown_command_exits_2(run_cli):
    code, _, err = run_cli("frobnicate")
    assert code == 2 and "invalid choice" in err


def test_registry_names_modules_in_the_commands_package():
    assert all(module.startswith("tcoder.commands.") for module in COMMANDS.values())


def _parsed(*argv: str):
    from tcoder.cli import _parse

    commands: dict = {}
    parser = build_parser(commands)
    return _parse(parser, commands, list(argv))


def test_options_may_come_between_positional_arguments():
    """`tcoder code STUDY --coder carol P01` is how the README's tour writes it."""
    args = _parsed("code", "study", "--coder", "carol", "P01")
    assert (args.study, args.coder, args.transcript, args.command) == ("study", "carol", "P01", "code")
    args = _parsed("code", "study", "P01", "--coder", "carol")
    assert (args.study, args.coder, args.transcript) == ("study", "carol", "P01")


def test_commands_with_subcommands_still_parse():
    args = _parsed("git", "setup", "--global")
    assert args.command == "git"


def test_an_unwritable_output_path_is_a_clear_error(run_cli, sample_study, tmp_path):
    code, _, err = run_cli("agree", sample_study, "--plot", tmp_path / "no" / "such" / "alpha.png")
    assert code == 1 and "Traceback" not in err and "alpha.png" in err


def test_study_paths_are_printed_without_dot_dot(run_cli, sample_study, monkeypatch):
    """A study named through '..' is printed as the folder it is, inside the working folder or not."""
    (sample_study.parent / "tc").mkdir()
    monkeypatch.chdir(sample_study.parent)
    code, out, err = run_cli("check", f"tc/../{sample_study.name}")
    assert out.splitlines()[0] == f"Study       {sample_study.name}"
    monkeypatch.chdir(sample_study.parent / "tc")
    code, out, err = run_cli("check", f"../{sample_study.name}")
    assert out.splitlines()[0] == f"Study       {sample_study.resolve()}"
    (sample_study / "speakers.csv").unlink()
    code, out, err = run_cli("participants", "list", f"../tc/../{sample_study.name}")
    assert f"'tcoder participants fill {sample_study.resolve()}' writes it" in out


def test_display_path_normalises_dot_dot(tmp_path, monkeypatch):
    from tcoder.errors import display_path

    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a")
    assert display_path("b/../b/file.txt") == "b/file.txt"
    assert display_path("b/..") == "."
    assert display_path(tmp_path / "a" / "b" / ".." / ".." / "x") == str((tmp_path / "x").resolve())


def test_problems_printed_together_show_each_path_as_alone(tmp_path, monkeypatch):
    """print_problems works out each folder once; every path still shows as display_path shows it alone."""
    import io

    from tcoder.errors import Problem, display_path, print_problems

    (tmp_path / "top" / "here" / "sub").mkdir(parents=True)
    (tmp_path / "top" / "other").mkdir()
    (tmp_path / "top" / "link").symlink_to(tmp_path / "top" / "other")
    monkeypatch.chdir(tmp_path / "top" / "here")
    paths = ["f.json", "./f.json", "sub/f.json", "sub/../f.json", "sub//f.json", "sub/.", "..", ".",
             "../here", "../here/f.json", "../other/f.json", "../link/f.json", "../link", "/", "/f.json",
             tmp_path / "top" / "here", tmp_path / "top" / "here" / "sub" / "f.json", tmp_path / "x.json",
             tmp_path / "missing" / "f.json", "sub/"]
    alone = [display_path(p) for p in paths]
    out = io.StringIO()
    print_problems([Problem("m", p) for p in paths], out)
    assert out.getvalue().splitlines() == [f"error: {shown}: m" for shown in alone]
    assert alone[:4] == ["f.json", "f.json", "sub/f.json", "f.json"] and alone[8] == "."
