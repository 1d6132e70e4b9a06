"""tcoder memo new|list|show|edit: memos and the reflexive journal from the command line."""

from __future__ import annotations

import argparse
import os
import sys

from tcoder.numbers import plural

HELP = "memos and journal entries: write, list, show and edit them (one Markdown file each)"
DESCRIPTION = """Memos on a code, a transcript, a participant, a passage, a theme or the whole
project, and entries of the reflexive journal. Each is one Markdown file in the study's
memos folder (memos/), with a small front matter; write them here or in any editor.

  tcoder memo new STUDY code --code institutional-resistance --title "Resistance as delay"
  tcoder memo new STUDY journal --text "After FG1: I expected anger, heard tiredness."
  tcoder memo new STUDY passage --passage "P01:It just stopped." --edit
  tcoder memo list STUDY [--kind journal] [--code CODE] [--search WORDS]
  tcoder memo show STUDY ID
  tcoder memo edit STUDY ID            open the memo's file in $EDITOR

Without --text or --file, 'new' opens $EDITOR when run in a terminal, and reads the
memo's text from standard input otherwise. See docs/memos.md."""

KINDS = ("project", "code", "transcript", "participant", "passage", "theme", "journal")


def _link_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("links (repeat any of them)")
    group.add_argument("--code", action="append", default=[], metavar="CODE", help="a code, by id or name")
    group.add_argument("--transcript", action="append", default=[], metavar="TRANSCRIPT",
                       help="a transcript (path, file name or stem)")
    group.add_argument("--participant", action="append", default=[], metavar="ID", help="a participant")
    group.add_argument("--theme", action="append", default=[], metavar="THEME", help="a theme, by id or name")
    group.add_argument("--memo", dest="memo_links", action="append", default=[], metavar="ID", help="another memo")
    group.add_argument("--annotation", action="append", default=[], metavar="ID", help="an annotation, by id")
    group.add_argument("--passage", action="append", default=[], metavar="T:START-END",
                       help="a passage: TRANSCRIPT:START-END (offsets) or TRANSCRIPT:QUOTE (text found once)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="memo_command", metavar="SUBCOMMAND")
    new = sub.add_parser("new", help="write a new memo or journal entry",
                         description="Write a new memo. KIND is one of: " + ", ".join(KINDS) + ".")
    new.add_argument("study", metavar="STUDY", help="the study folder")
    new.add_argument("kind", metavar="KIND", choices=KINDS, help=" | ".join(KINDS))
    new.add_argument("--title", help="a title (default: the text's first line)")
    new.add_argument("--author", metavar="NAME", help="who writes it (default: $TCODER_CODER)")
    body = new.add_mutually_exclusive_group()
    body.add_argument("--text", help="the memo's text (Markdown)")
    body.add_argument("--file", metavar="FILE", help="read the text from FILE ('-' for standard input)")
    body.add_argument("--edit", action="store_true", help="write the text in $EDITOR")
    _link_options(new)

    listing = sub.add_parser("list", help="list memos and journal entries, with filters",
                             description="List memos (journal entries by date). Filters combine; a repeated "
                                         "filter means any of its values.")
    listing.add_argument("study", metavar="STUDY", help="the study folder")
    listing.add_argument("--kind", action="append", choices=KINDS, help="only memos of this kind")
    listing.add_argument("--author", action="append", metavar="NAME", help="only memos by this author")
    listing.add_argument("--code", action="append", metavar="CODE", help="only memos linked to this code")
    listing.add_argument("--transcript", action="append", metavar="TRANSCRIPT",
                         help="only memos linked to this transcript (or a passage or annotation in it)")
    listing.add_argument("--theme", action="append", metavar="THEME", help="only memos linked to this theme")
    listing.add_argument("--participant", action="append", metavar="ID", help="only memos linked to this participant")
    listing.add_argument("--search", metavar="WORDS", help="only memos whose title, text or author contain WORDS")
    listing.add_argument("--format", choices=("table", "json"), default="table", help="output format")

    show = sub.add_parser("show", help="print a memo with what its links point to")
    show.add_argument("study", metavar="STUDY", help="the study folder")
    show.add_argument("memo", metavar="ID", help="the memo's id (or its beginning), or its file name")
    show.add_argument("--raw", action="store_true", help="print the file exactly as it is")

    edit = sub.add_parser("edit", help="open a memo's file in $EDITOR, then check it")
    edit.add_argument("study", metavar="STUDY", help="the study folder")
    edit.add_argument("memo", metavar="ID", help="the memo's id (or its beginning), or its file name")
    parser.set_defaults(memo_parser=parser)


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "memo_command", None)
    if command is None:
        args.memo_parser.print_help(sys.stderr)
        return 2
    return {"new": _new, "list": _list, "show": _show, "edit": _edit}[command](args)


def _say(message: str, file=None) -> None:
    from tcoder.textsafe import for_stream

    file = file or sys.stdout
    print(for_stream(message, file), file=file)


def _usage(message: str) -> int:
    print(f"tcoder memo: error: {message}", file=sys.stderr)
    return 2


def _resolve_code(study, wanted: str) -> str:
    from tcoder.errors import Problem, TcoderError
    from tcoder.reports.data import UsageError, resolve_code

    try:
        return resolve_code(study.codebook, wanted, [])
    except UsageError as exc:
        raise TcoderError(Problem(str(exc), study.codebook_path)) from None


def _links(study, args) -> list:
    from tcoder.memos import Link, code_link
    from tcoder.memoset import annotation_from_id, load_memos, passage_from_spec
    from tcoder.themes import read_themes

    links = [code_link(_resolve_code(study, c)) for c in args.code]
    links += [Link("transcript", study.find(t).name) for t in args.transcript]
    links += [Link("participant", p.strip()) for p in args.participant if p.strip()]
    if args.theme:
        themes = read_themes(study.themes_path)
        links += [Link("theme", themes.find(t).id) for t in args.theme]
    if args.memo_links:
        memos = load_memos(study)
        links += [Link("memo", memos.find(m).id) for m in args.memo_links]
    links += [annotation_from_id(study, a) for a in args.annotation]
    links += [passage_from_spec(study, p) for p in args.passage]
    return links


def _author(args) -> str | None:
    from tcoder.commands.coder_options import OptionError, coder_name

    value = args.author or os.environ.get("TCODER_CODER") or None
    if value is None:
        return None
    try:
        return coder_name(value, "--author" if args.author else "TCODER_CODER")
    except OptionError as exc:
        raise SystemExit(_usage(str(exc))) from None


def _new(args: argparse.Namespace) -> int:
    from tcoder.memos import EXPECTED_LINK, new_memo, read_memo
    from tcoder.memoset import create_memo
    from tcoder.study import open_study

    author = _author(args)
    if author is None:
        return _usage("who writes the memo? give --author NAME (or set TCODER_CODER)")
    study = open_study(args.study)
    links = _links(study, args)
    wanted = EXPECTED_LINK.get(args.kind)
    if wanted and not any(link.kind in wanted for link in links):
        option = " or ".join(f"--{w}" for w in wanted)
        return _usage(f"a {args.kind} memo needs {option} (what it is about)")
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if args.text is not None:
        text = args.text
    elif args.file:
        text = sys.stdin.read() if args.file == "-" else _read_file(args.file)
    elif args.edit or interactive:
        text = None
    else:
        text = sys.stdin.read()
    memo = new_memo(args.kind, author=author, title=args.title, body=text or "", links=links)
    if text is None:  # write it in the editor, in the memo's own file
        return _new_in_editor(study, memo)
    if not memo.body.strip() and not memo.title:
        return _usage("the memo is empty: give --text, --file or --title")
    path = create_memo(study, memo)
    saved = read_memo(path)
    _say(f"Wrote {_rel(study, path)} (memo {saved.id}, {saved.kind}, {plural(len(saved.links), 'link')})")
    return 0


def _read_file(name: str) -> str:
    from tcoder.errors import Problem, TcoderError

    try:
        with open(name, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        raise TcoderError(Problem(f"cannot read it: {exc.strerror}", name)) from None
    except UnicodeDecodeError as exc:
        raise TcoderError(Problem(f"not UTF-8 text (invalid byte at {exc.start})", name)) from None


def _new_in_editor(study, memo) -> int:
    from tcoder.editor import run_editor
    from tcoder.memos import MemoFileError, read_memo
    from tcoder.memoset import create_memo

    path = create_memo(study, memo)
    before = path.read_bytes()
    run_editor(path)
    after = path.read_bytes() if path.exists() else None
    if after is None:
        _say(f"{_rel(study, path)} was deleted in the editor: no memo written", sys.stderr)
        return 0
    try:
        saved = read_memo(path)
    except MemoFileError as exc:
        from tcoder.errors import print_problems

        print_problems(exc.problems)
        _say(f"The memo is kept as you wrote it in {_rel(study, path)}; fix it there ('tcoder check' checks it)",
             sys.stderr)
        return 1
    if after == before and not saved.body.strip():
        path.unlink()
        _say("Nothing was written in the editor: no memo saved", sys.stderr)
        return 0
    if after != before:
        _stamp(saved)
    _say(f"Wrote {_rel(study, path)} (memo {saved.id}, {saved.kind}, {plural(len(saved.links), 'link')})")
    return 0


def _stamp(memo) -> None:
    """The memo was changed in the editor: its 'updated' time says so (unless it changed again meanwhile)."""
    from tcoder.memos import MemoChangedError, save_memo

    memo.touch()
    try:
        save_memo(memo)
    except MemoChangedError:
        pass


def _rel(study, path) -> str:
    try:
        return path.relative_to(study.root).as_posix()
    except ValueError:
        return str(path)


def _list(args: argparse.Namespace) -> int:
    import json

    from tcoder.memoset import load_memos
    from tcoder.study import open_study

    study = open_study(args.study)
    memos = load_memos(study)
    for problem in memos.problems:
        _say(f"{problem.severity}: {problem}", sys.stderr)
    codes = [_resolve_code(study, c) for c in args.code] if args.code else None
    transcripts = [study.find(t).name for t in args.transcript] if args.transcript else None
    themes = None
    if args.theme:
        from tcoder.themes import read_themes

        theme_file = read_themes(study.themes_path)
        themes = [theme_file.find(t).id for t in args.theme]
    chosen = memos.sorted(memos.select(kinds=args.kind, authors=args.author, codes=codes, transcripts=transcripts,
                                       themes=themes, participants=args.participant, text=args.search))
    if args.format == "json":
        rows = [{"id": m.id, "kind": m.kind, "title": m.display_title, "author": m.author, "created": m.created,
                 "updated": m.updated, "file": memos.relative(m), "links": [link.to_dict() for link in m.links]}
                for m in chosen]
        _say(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not chosen:
        _say("No memos" + (" match these filters" if len(memos) else " yet ('tcoder memo new' writes one)")
             + f" ({len(memos)} in the study).")
        return 0
    _say(_table(chosen, memos))
    _say(f"{len(chosen)} of {plural(len(memos), 'memo')}.")
    return 0


def _table(chosen, memos) -> str:
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tcoder.textsafe import inert

    table = Table(show_lines=False)
    for head in ("id", "kind", "date", "author", "title", "about"):
        table.add_column(head, overflow="fold")
    for m in chosen:
        about = "; ".join(link.describe() for link in m.links[:3]) + (" ..." if len(m.links) > 3 else "")
        table.add_row(*(Text(inert(v)) for v in (m.id[:8], m.kind, m.date, m.author or "", m.display_title, about)))
    buffer = io.StringIO()
    width = 160 if not sys.stdout.isatty() else None
    Console(file=buffer, width=width, markup=False, highlight=False, emoji=False, color_system=None).print(table)
    return buffer.getvalue().rstrip("\n")


def _show(args: argparse.Namespace) -> int:
    from tcoder.memoset import check_links, load_memos
    from tcoder.study import open_study

    study = open_study(args.study)
    memos = load_memos(study)
    memo = memos.find(args.memo)
    if args.raw:
        assert memo.raw is not None
        sys.stdout.write(_stream_text(memo.raw.decode("utf-8")))
        return 0
    single = type(memos)(study, [memo])
    report = check_links(study, single, known_codes=_known_codes(study))
    _say(f"# {memo.display_title}")
    details = [memo.kind, memo.author or "no author", f"written {memo.created or '?'}"]
    if memo.updated and memo.updated != memo.created:
        details.append(f"changed {memo.updated}")
    _say(f"{', '.join(details)}; {memos.relative(memo)} (id {memo.id})")
    if memo.links:
        _say("Links:")
        for link in memo.links:
            _say(f"  - {_describe(study, link)}")
    for problem in report.problems:
        _say(f"{problem.severity}: {problem}", sys.stderr)
    _say("")
    _say(memo.body.rstrip("\n") or "(no text)")
    return 0


def _stream_text(text: str) -> str:
    from tcoder.textsafe import for_stream

    return for_stream(text, sys.stdout)


def _known_codes(study):
    from tcoder.errors import TcoderError

    try:
        return set(study.codebook.codes)
    except TcoderError:
        return None


def _describe(study, link) -> str:
    from tcoder.errors import TcoderError

    if link.kind == "code":
        try:
            codebook = study.codebook
        except TcoderError:
            return link.describe()
        if link.target in codebook:
            return f"code {link.target} ({codebook.path_of(link.target)})"
    if link.kind == "theme":
        from tcoder.themes import read_themes

        try:
            themes = read_themes(study.themes_path)
        except TcoderError:
            return link.describe()
        if link.target in themes:
            return f"theme {link.target} ({themes[link.target].label}, {themes[link.target].status})"
    if link.kind == "passage":
        quote = " ".join((link.quote or "").split())
        state = " (orphaned: no longer in the transcript)" if link.orphaned else ""
        return f"passage of {link.target} [{link.start}, {link.end}){state}: \u201c{quote}\u201d"
    return link.describe()


def _edit(args: argparse.Namespace) -> int:
    from tcoder.editor import run_editor
    from tcoder.memos import MemoFileError, read_memo
    from tcoder.memoset import load_memos
    from tcoder.study import open_study

    study = open_study(args.study)
    memo = load_memos(study).find(args.memo)
    assert memo.path is not None
    run_editor(memo.path)
    if not memo.path.exists():
        _say(f"{_rel(study, memo.path)} was deleted in the editor", sys.stderr)
        return 0
    if memo.path.read_bytes() == memo.raw:
        _say(f"{_rel(study, memo.path)} was not changed")
        return 0
    try:
        _stamp(read_memo(memo.path))
    except MemoFileError as exc:
        from tcoder.errors import print_problems

        print_problems(exc.problems)
        _say("The file is kept as you wrote it; fix it there ('tcoder check' checks it)", sys.stderr)
        return 1
    _say(f"Saved {_rel(study, memo.path)}")
    return 0
