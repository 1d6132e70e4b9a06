"""Starting a study folder (``tcoder init``): codebook, settings, attributes, .gitignore,
imported transcripts, optionally a git repository with tcoder's drivers.

Every input is read and checked before anything is written: a codebook with errors,
a transcript that cannot be imported, a folder that is already a study stop it with
nothing on disk changed. The templates ship inside the package (``tcoder/data``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from tcoder.atomicio import atomic_write_bytes, atomic_write_text
from tcoder.errors import Problem, TcoderError, display_path
from tcoder.numbers import plural
from tcoder.settings import SETTINGS_FILE

CODEBOOK_FILE = "codebook.yaml"


def template(name: str) -> str:
    """A file shipped with tcoder: ``codebook-template.yaml``, ``codebook-empty.yaml``, ``tcoder-settings.yaml``."""
    return resources.files("tcoder").joinpath("data", name).read_text(encoding="utf-8")


@dataclass
class StudyPlan:
    folder: Path
    codebook: Path | None = None  # .yaml or .qdc to start from
    empty: bool = False
    title: str | None = None
    imports: list[Path] = field(default_factory=list)
    into: str = "transcripts"
    git: bool = False


@dataclass
class InitReport:
    folder: Path
    written: list[tuple[str, str]] = field(default_factory=list)  # (path in the study, what it is)
    warnings: list[str] = field(default_factory=list)
    git: list[str] = field(default_factory=list)
    transcripts: int = 0


def _title_from(folder: Path) -> str:
    name = folder.absolute().name or "My study"
    words = re.sub(r"[-_]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else "My study"


def _codebook_text(plan: StudyPlan, title: str) -> tuple[str, str, bytes | None, str]:
    """The codebook's text and a description of where it came from; and from a .qdc with sets
    of codes, the themes file's bytes and what it holds."""
    from tcoder.codebook import load_codebook, parse_codebook
    from tcoder.codebook_text import CodebookText

    if plan.codebook is not None:
        source = plan.codebook
        if source.suffix.lower() == ".qdc":
            from tcoder.codebook import codebook_to_yaml
            from tcoder.refi.importer import read_qdc_with_sets
            from tcoder.themes import encode_themes

            codebook, themes, candidates = read_qdc_with_sets(source)
            text = (f"# Converted by tcoder init from {source.name}, a REFI-QDA codebook. Reference:\n"
                    "# docs/formats.md#the-codebook\n" + codebook_to_yaml(codebook))
            what = f"converted from {source.name}: {plural(len(codebook), 'code')}"
            if len(themes):
                themes_what = (f"the codebook's sets of codes as {plural(len(themes), 'theme')}"
                               + (f" ({candidates} of them other programs' code groups, as candidates)"
                                  if candidates else ""))
                return text, what, encode_themes(themes), themes_what
        else:
            codebook = load_codebook(source)  # errors name the file, line and column
            text = source.read_bytes().decode("utf-8-sig")
            what = f"copied from {display_path(source)}: {plural(len(codebook), 'code')}"
        if plan.title:
            doc = CodebookText(text, source)
            doc.set_top("title", plan.title)
            text = doc.text
        return text, what, None, ""
    name = "codebook-empty.yaml" if plan.empty else "codebook-template.yaml"
    doc = CodebookText(template(name), name)
    doc.set_top("title", title)
    codes = len(parse_codebook(doc.text, name))
    what = ("empty, for inductive coding: create codes while you code" if plan.empty else
            f"the template: {codes} example codes to replace with yours (or start with --empty)")
    return doc.text, what, None, ""


def _gitignore() -> str:
    from tcoder.gitdriver.setup import IGNORES

    return ("\n".join(IGNORES) + "\n"
            "# A coder's files you keep to yourself (practice coding, say): uncomment and use the name\n"
            "# *.practice.json\n")


@dataclass
class _Import:
    source: Path
    target: str  # relative to the study
    text: bytes
    what: str
    warnings: list[str]


def _convert(source: Path, into: str, folder: Path) -> _Import:
    from tcoder.importers import convert
    from tcoder.transcript import TRANSCRIPT_SUFFIXES, decode_bytes, find_turns

    target = f"{into.strip('/')}/{source.stem}.txt" if into.strip("/") else f"{source.stem}.txt"
    if source.suffix.lower() in TRANSCRIPT_SUFFIXES:
        # a transcript already ('Name: text' turns): copied as it is, unless it is an export to convert
        try:
            converted = convert(source)
        except TcoderError:
            try:
                raw = source.read_bytes()
            except OSError as exc:
                raise TcoderError(Problem(f"cannot read it: {exc.strerror}", source)) from None
            decoded = decode_bytes(raw, source)
            turns = find_turns(decoded.text)
            name = f"{into.strip('/')}/{source.name}" if into.strip("/") else source.name
            voices = {t.speaker for t in turns if t.speaker}
            return _Import(source, name, raw, f"copied from {display_path(source)} ({plural(len(voices), 'speaker')})",
                           [f"{source.name}: {w}" for w in decoded.warnings])
        text = converted.text
    else:
        converted = convert(source)
        text = converted.text
    speakers = converted.speakers
    return _Import(source, target, text.encode("utf-8"),
                   f"imported from {display_path(source)} ({len(converted.turns)} turns, {plural(len(speakers), 'speaker')})",
                   [f"{source.name}: {w}" for w in converted.warnings])


def create_study(plan: StudyPlan) -> InitReport:
    folder = plan.folder
    if folder.exists() and not folder.is_dir():
        raise TcoderError(Problem("this is a file; give a folder for the study", folder))
    for name in (CODEBOOK_FILE, SETTINGS_FILE):
        if (folder / name).exists():
            raise TcoderError(Problem(f"this folder is already a study (it has {name}); nothing was changed",
                                      folder))
    into = plan.into.replace("\\", "/").strip("/")
    if into.startswith("..") or Path(into).is_absolute() or "/../" in f"/{into}/":
        raise TcoderError(Problem(f"--into {plan.into!r} must be a folder inside the study"))
    title = plan.title or _title_from(folder)
    codebook_text, codebook_what, themes, themes_what = _codebook_text(plan, title)
    # every import is converted in memory first: one that fails stops everything
    imports: list[_Import] = []
    failed: list[Problem] = []
    for source in dict.fromkeys(plan.imports):
        try:
            imports.append(_convert(source, into, folder))
        except TcoderError as exc:
            failed.extend(exc.problems)
    targets: dict[str, Path] = {}
    for item in imports:
        if item.target in targets:
            failed.append(Problem(f"{display_path(targets[item.target])} and this file would both become "
                                  f"{item.target}; rename one", item.source))
        elif (folder / item.target).exists():
            failed.append(Problem(f"{item.target} already exists in the study folder", item.source))
        targets[item.target] = item.source
    if failed:
        raise TcoderError([*failed, Problem("nothing was written: fix or leave out these files and run init again")])
    report = InitReport(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for item in imports:
        path = folder / item.target
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, item.text)
        report.written.append((item.target, item.what))
        report.warnings.extend(item.warnings)
    atomic_write_text(folder / CODEBOOK_FILE, codebook_text)
    report.written.insert(0, (CODEBOOK_FILE, codebook_what))
    atomic_write_text(folder / SETTINGS_FILE, template("tcoder-settings.yaml"))
    report.written.insert(1, (SETTINGS_FILE, "the settings, all optional and commented"))
    if themes is not None:
        from tcoder.settings import Settings

        themes_file = Settings().themes  # the settings just written are the defaults
        atomic_write_bytes(folder / themes_file, themes)
        report.written.insert(2, (themes_file, themes_what))
    from tcoder.study import open_study

    study = open_study(folder)
    report.transcripts = len(study.transcripts)
    attributes = folder / study.settings.attributes
    if not attributes.exists():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["transcript"])
        for ref in study.transcripts:
            writer.writerow([ref.name])
        atomic_write_text(attributes, buffer.getvalue())
        report.written.insert(2, (attributes.name, f"one row per transcript ({len(study.transcripts)}): add columns "
                                                   "such as group or gender"))
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write_text(ignore, _gitignore())
        report.written.insert(3, (".gitignore", "tcoder's lock and temporary files, its journal"))
    if plan.git:
        report.git = _git(folder)
    return report


def _git(folder: Path) -> list[str]:
    from tcoder.gitdriver.gitcmd import git, toplevel
    from tcoder.gitdriver.setup import setup

    lines = []
    top = toplevel(folder)
    fresh = top is None
    if fresh:
        done = git(["init", "-q"], folder, check=False)
        if done.returncode != 0:
            raise TcoderError(Problem(f"git init failed: {done.stderr.decode('utf-8', 'replace').strip()}", folder))
        lines.append("a new repository")
    setup(folder)
    lines.append("tcoder's diff and merge drivers set up (.gitattributes, .gitignore, this repository's config)")
    if not fresh:
        lines.append("the folder is inside an existing repository: commit the new files when you are ready")
        return lines
    git(["add", "-A", "."], folder)
    done = git(["commit", "-q", "-m", "Start the study"], folder, check=False)
    if done.returncode == 0:
        lines.append("first commit made ('Start the study')")
    else:
        lines.append("not committed (git needs your name and e-mail: git config --global user.name ...); the "
                     "files are added, commit them when you are ready")
    return lines
