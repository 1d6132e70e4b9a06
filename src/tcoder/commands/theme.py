"""tcoder theme new|list|show|rename|status|define|concept|link|unlink|move|delete|log."""

from __future__ import annotations

import argparse
import os
import sys

from tcoder.numbers import plural

HELP = "themes above the codebook: create, link codes, set status and definition; every change recorded"
DESCRIPTION = """Themes are their own layer above the codebook, kept in themes.yaml: a name, a
central organising concept, a status (candidate, reviewed, defined, final, discarded),
a definition, sub-themes, and the codes that inform them (a code can inform several).
Every change made here (or in the themes screen) is one line of themes.history.yaml:
when, who, what changed and why (--why).

  tcoder theme new STUDY "The institution says no by waiting" --code institutional-resistance
  tcoder theme link STUDY waiting disillusionment emotional-toll --why "FG2 ties the two"
  tcoder theme status STUDY waiting reviewed --why "checked against the coded data"
  tcoder theme define STUDY waiting --edit
  tcoder theme list STUDY
  tcoder theme log STUDY [THEME]

'tcoder report STUDY themes' writes them up (md, html, docx) or draws the thematic
map (svg, png, dot, mermaid). See docs/themes.md."""

STATUSES = ("candidate", "reviewed", "defined", "final", "discarded")


def _change_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--why", metavar="TEXT", default="", help="why: kept in the history of the themes")
    parser.add_argument("--who", metavar="NAME", help="who makes the change (default: $TCODER_CODER)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="theme_command", metavar="SUBCOMMAND")

    def command(name: str, help_text: str, theme: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".")
        p.add_argument("study", metavar="STUDY", help="the study folder")
        if theme:
            p.add_argument("theme", metavar="THEME", help="the theme, by id or name")
        return p

    new = command("new", "create a theme", theme=False)
    new.add_argument("name", metavar="NAME", help="the theme's name")
    new.add_argument("--id", dest="theme_id", metavar="ID", help="its id (default: made from the name)")
    new.add_argument("--concept", default="", metavar="TEXT", help="its central organising concept")
    new.add_argument("--definition", default="", metavar="TEXT", help="its definition")
    new.add_argument("--status", choices=STATUSES, default="candidate", help="default: candidate")
    new.add_argument("--under", metavar="THEME", help="make it a sub-theme of THEME")
    new.add_argument("--code", action="append", default=[], metavar="CODE", help="a code that informs it (repeat)")
    _change_options(new)

    listing = command("list", "list the themes as a tree, with status and codes", theme=False)
    listing.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    command("show", "print a theme: concept, definition, codes, sub-themes, memos and history")

    rename = command("rename", "give a theme a new name (its id stays)")
    rename.add_argument("name", metavar="NAME")
    _change_options(rename)
    status = command("status", "change a theme's status")
    status.add_argument("status", metavar="STATUS", choices=STATUSES, help=" | ".join(STATUSES))
    _change_options(status)
    for name, what in (("define", "definition"), ("concept", "central organising concept")):
        p = command(name, f"write a theme's {what}")
        body = p.add_mutually_exclusive_group(required=True)
        body.add_argument("--text", help=f"the {what}")
        body.add_argument("--file", metavar="FILE", help="read it from FILE ('-' for standard input)")
        body.add_argument("--edit", action="store_true", help="write it in $EDITOR")
        _change_options(p)
    for name, verb in (("link", "link codes to a theme"), ("unlink", "unlink codes from a theme")):
        p = command(name, verb)
        p.add_argument("codes", metavar="CODE", nargs="+", help="codes by id or name")
        _change_options(p)
    moving = command("move", "make a theme a sub-theme of another, or top-level")
    where = moving.add_mutually_exclusive_group(required=True)
    where.add_argument("--under", metavar="THEME", help="the new parent theme")
    where.add_argument("--top", action="store_true", help="make it a top-level theme")
    _change_options(moving)
    deleting = command("delete", "delete a theme (its sub-themes move up; the history keeps what it was)")
    _change_options(deleting)
    log = command("log", "the history of the themes (of one theme if given)", theme=False)
    log.add_argument("theme", metavar="THEME", nargs="?", help="only this theme")
    log.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    parser.set_defaults(theme_parser=parser)


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "theme_command", None)
    if command is None:
        args.theme_parser.print_help(sys.stderr)
        return 2
    if command == "list":
        return _list(args)
    if command == "show":
        return _show(args)
    if command == "log":
        return _log(args)
    return _change(args)


def _say(message: str, file=None) -> None:
    from tcoder.textsafe import for_stream

    file = file or sys.stdout
    print(for_stream(message, file), file=file)


def _usage(message: str) -> int:
    print(f"tcoder theme: error: {message}", file=sys.stderr)
    return 2


def _open(args):
    from tcoder.study import open_study
    from tcoder.themes import read_themes

    study = open_study(args.study)
    return study, read_themes(study.themes_path)


def _codes(study, names: list[str]) -> list[str]:
    from tcoder.commands.memo import _resolve_code

    return [_resolve_code(study, name) for name in names]


def _text_input(args, what: str, current: str) -> str | None:
    if args.text is not None:
        return args.text
    if args.file:
        from tcoder.commands.memo import _read_file

        return sys.stdin.read() if args.file == "-" else _read_file(args.file)
    import tempfile
    from pathlib import Path

    from tcoder.editor import run_editor

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{what}.md"
        path.write_text(current, encoding="utf-8")
        run_editor(path)
        text = path.read_text(encoding="utf-8")
    return None if text == current else text


def _change(args: argparse.Namespace) -> int:
    from tcoder import themeops
    from tcoder.commands.coder_options import OptionError, coder_name
    from tcoder.themelog import record

    who = args.who or os.environ.get("TCODER_CODER") or ""
    if who:
        try:
            coder_name(who, "--who" if args.who else "TCODER_CODER")
        except OptionError as exc:
            return _usage(str(exc))
    study, themes = _open(args)
    command = args.theme_command
    common = {"who": who, "why": args.why}
    if command == "new":
        change = themeops.new_theme(themes, args.name, theme_id=args.theme_id, concept=args.concept,
                                    definition=args.definition, status=args.status, parent=args.under,
                                    codes=_codes(study, args.code), **common)
    elif command == "rename":
        change = themeops.rename(themes, args.theme, args.name, **common)
    elif command == "status":
        change = themeops.set_status(themes, args.theme, args.status, **common)
    elif command in ("define", "concept"):
        theme = themes.find(args.theme)
        current = theme.definition if command == "define" else theme.concept
        text = _text_input(args, command, current)
        if text is None:
            _say("Nothing changed in the editor: the theme is as it was")
            return 0
        change = themeops.set_text(themes, theme.id, command, text, **common)
    elif command == "link":
        change = themeops.link_codes(themes, args.theme, _codes(study, args.codes), **common)
    elif command == "unlink":
        linked = themes.find(args.theme).codes
        codes = [c if c in linked else _codes(study, [c])[0] for c in args.codes]
        change = themeops.unlink_codes(themes, args.theme, codes, **common)
    elif command == "move":
        change = themeops.move(themes, args.theme, None if args.top else args.under, **common)
    else:
        change = themeops.delete(themes, args.theme, **common)
    record(change, study.themes_path)
    _say(f"{change.label[:1].upper()}{change.label[1:]} (recorded in {study.settings.themes.rsplit('.', 1)[0]}"
         ".history.yaml)")
    return 0


def _list(args: argparse.Namespace) -> int:
    import json

    study, themes = _open(args)
    if args.format == "json":
        rows = [{"id": t.id, "name": t.name, "status": t.status, "depth": depth, "parent": themes.parent_of(t.id),
                 "concept": t.concept, "codes": t.codes, "subthemes": t.subthemes} for t, depth in themes.walk()]
        _say(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not len(themes):
        _say("No themes yet ('tcoder theme new STUDY NAME' creates one).")
        return 0
    codebook = _codebook(study)
    for theme, depth in themes.walk():
        indent = "  " * depth
        _say(f"{indent}{theme.label} [{theme.status}]  ({theme.id})")
        if theme.concept:
            _say(f"{indent}    concept: {' '.join(theme.concept.split())}")
        if theme.codes:
            names = [codebook[c].name if codebook is not None and c in codebook else f"{c} (not in the codebook)"
                     for c in theme.codes]
            _say(f"{indent}    codes: {', '.join(names)}")
    statuses: dict[str, int] = {}
    for theme in themes:
        statuses[theme.status] = statuses.get(theme.status, 0) + 1
    _say(f"{plural(len(themes), 'theme')}: " + ", ".join(f"{n} {s}" for s, n in statuses.items()))
    return 0


def _codebook(study):
    from tcoder.errors import TcoderError

    try:
        return study.codebook
    except TcoderError:
        return None


def _show(args: argparse.Namespace) -> int:
    from tcoder.memoset import load_memos
    from tcoder.themelog import history_path, read_history
    from tcoder.themeops import describe

    study, themes = _open(args)
    theme = themes.find(args.theme)
    codebook = _codebook(study)
    _say(f"# {theme.label}")
    parent = themes.parent_of(theme.id)
    _say(f"id {theme.id}; status {theme.status}" + (f"; sub-theme of {parent}" if parent else ""))
    if theme.concept:
        _say(f"\nCentral organising concept: {theme.concept.strip()}")
    if theme.definition:
        _say(f"\nDefinition:\n{theme.definition.rstrip()}")
    if theme.codes:
        _say("\nCodes:")
        for code in theme.codes:
            name = codebook.path_of(code) if codebook is not None and code in codebook else "not in the codebook"
            _say(f"  - {code} ({name})")
    if theme.subthemes:
        _say("\nSub-themes:")
        for sub in theme.subthemes:
            label = f"{themes[sub].label} [{themes[sub].status}]" if sub in themes else "not a theme"
            _say(f"  - {sub} ({label})")
    memos = load_memos(study).linked_to("theme", theme.id)
    if memos:
        _say("\nMemos:")
        for memo in memos:
            _say(f"  - {memo.id[:8]} {memo.display_title} ({memo.kind}, {memo.author or '?'}, {memo.date})")
    entries = read_history(history_path(study.themes_path)).of(theme.id)
    if entries:
        _say("\nHistory:")
        for entry in entries:
            why = f" - {entry['why']}" if entry.get("why") else ""
            _say(f"  {str(entry.get('when', ''))[:16]} {entry.get('who') or '?'}: {describe(entry)}{why}")
    return 0


def _log(args: argparse.Namespace) -> int:
    import json

    from tcoder.themelog import history_path, read_history
    from tcoder.themeops import describe

    study, themes = _open(args)
    history = read_history(history_path(study.themes_path))
    for problem in history.problems:
        _say(f"{problem.severity}: {problem}", sys.stderr)
    entries = history.entries
    if args.theme:
        wanted = themes.find(args.theme).id if args.theme in themes or any(
            t.name.casefold() == args.theme.casefold() for t in themes) else args.theme
        entries = history.of(wanted)
    if args.format == "json":
        _say(json.dumps([{k: v for k, v in e.items() if not k.startswith("_")} for e in entries],
                        ensure_ascii=False, indent=1))
        return 0
    if not entries:
        _say("No recorded changes" + (f" of {args.theme}" if args.theme else "") + ".")
        return 0
    for entry in entries:
        why = f"\n    why: {entry['why']}" if entry.get("why") else ""
        _say(f"{str(entry.get('when', ''))[:16].replace('T', ' ')}  {entry.get('who') or '?':<10} "
             f"{describe(entry)}{why}")
    return 0
