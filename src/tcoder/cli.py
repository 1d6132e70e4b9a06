"""The ``tcoder`` command: argument parsing, dispatch, messages and exit codes.

Each command lives in ``tcoder.commands.<module>`` and provides ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Command modules import only
the standard library at module level, so ``tcoder --help`` and ``--version``
start fast and never import Textual, pandas or numpy.

Exit codes (docs/formats.md#exit-codes-and-messages): 0 success, 1 a problem in the user's data
(with a message naming the file and place), 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from typing import NoReturn, Sequence

from tcoder import __version__

#: command name -> module, in the order ``--help`` lists them
COMMANDS: dict[str, str] = {
    "init": "tcoder.commands.init",
    "code": "tcoder.commands.code",
    "check": "tcoder.commands.check",
    "ci": "tcoder.commands.ci",
    "codebook": "tcoder.commands.codebook",
    "status": "tcoder.commands.status",
    "undo": "tcoder.commands.undo",
    "import": "tcoder.commands.import_",
    "import-survey": "tcoder.commands.import_survey",
    "agree": "tcoder.commands.agree",
    "compare": "tcoder.commands.compare",
    "verify": "tcoder.commands.verify",
    "search": "tcoder.commands.search",
    "query": "tcoder.commands.query",
    "autocode": "tcoder.commands.autocode",
    "suggest": "tcoder.commands.suggest",
    "matrix": "tcoder.commands.matrix",
    "report": "tcoder.commands.report",
    "methods": "tcoder.commands.methods",
    "participants": "tcoder.commands.participants",
    "memo": "tcoder.commands.memo",
    "theme": "tcoder.commands.theme",
    "export": "tcoder.commands.export",
    "deidentify": "tcoder.commands.deidentify",
    "import-qdc": "tcoder.commands.import_qdc",
    "import-codebook-csv": "tcoder.commands.import_codebook_csv",
    "import-qdpx": "tcoder.commands.import_qdpx",
    "git": "tcoder.commands.git",
    "review": "tcoder.commands.review",
    "serve": "tcoder.commands.serve",
}

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser(commands: dict[str, argparse.ArgumentParser] | None = None) -> argparse.ArgumentParser:
    """The parser; ``commands``, if given, receives each command's own parser."""
    parser = _Parser(
        prog="tcoder",
        description="Code qualitative interview transcripts in the terminal: keyboard-first span coding, "
                    "git-friendly annotation files, Krippendorff's alpha, reports and REFI-QDA export.",
        epilog="Run 'tcoder COMMAND --help' for a command's options. Exit codes: 0 ok, 1 a problem in "
               "the study's files, 2 bad usage.",
    )
    parser.add_argument("--version", action="version", version=f"tcoder {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
        if commands is not None:
            commands[name] = command
    return parser


def _parse(parser: argparse.ArgumentParser, commands: dict[str, argparse.ArgumentParser],
           argv: list[str]) -> argparse.Namespace:
    """Parse, letting options sit between positional arguments, as users type them
    (``tcoder code STUDY --coder carol P01``), which plain argparse refuses once a
    command has an optional positional after its options."""
    name = next((a for a in argv if not a.startswith("-")), None)
    command = commands.get(name) if name else None
    if name is None or command is None or command._subparsers is not None:  # no command, or one with its own subcommands
        return parser.parse_args(argv)
    at = argv.index(name)
    if any(a in ("-h", "--help", "--version") for a in argv[:at]):
        return parser.parse_args(argv)
    args = command.parse_intermixed_args(argv[at + 1:])
    args.command = name
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # the fastest path: no command modules at all
        print(f"tcoder {__version__}")
        return EXIT_OK
    commands: dict[str, argparse.ArgumentParser] = {}
    parser = build_parser(commands)
    args = _parse(parser, commands, argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    from tcoder.errors import TcoderError, print_problems

    try:
        return int(args.run(args) or 0)
    except TcoderError as exc:
        print_problems(exc.problems)
        return getattr(exc, "exit_code", EXIT_DATA)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = None  # nothing more is written to the closed pipe
        return EXIT_OK
    except OSError as exc:
        # A path that cannot be read or written (missing, a folder, no permission, a full
        # disk): the machine's state or the user's input, not a bug.
        from tcoder.errors import Problem
        from tcoder.safeio import os_error_message

        where = exc.filename if exc.filename is not None else None
        print_problems([Problem(f"cannot use this path: {os_error_message(exc)}", where)])
        return EXIT_DATA
    except MemoryError:
        print("error: not enough memory to finish (files tcoder writes are replaced whole, so none is half "
              "written); try again with fewer transcripts or more memory", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
