"""``tcoder git setup``: route annotation files to the tcoder drivers.

Three things, each written only when missing, so running it again changes
nothing (not a byte):

- ``.gitattributes`` in the study folder (versioned, so every clone routes the
  same files): annotation files to ``diff=tcoder merge=tcoder``, transcripts
  ``text eol=lf``. The pattern ``*.*.json`` also catches other JSON files; the
  drivers recognise annotation files by their content and pass the rest through.
- ``.gitignore`` in the study folder (versioned, unlike ``.git/info/exclude``, so
  nobody in the team commits a writer lock or a half-saved temporary file).
- The driver commands in git config (this repository's, or the global one):
  config is never versioned, so each person runs setup once per clone or once
  with ``--global``. The commands name the running Python by its absolute path,
  so they work whatever PATH git runs with (GUI clients, editors); moving or
  deleting that environment means running setup again.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tcoder.annotations import annotation_name
from tcoder.errors import Problem, TcoderError
from tcoder.gitdriver.gitcmd import git, git_text, toplevel
from tcoder.numbers import plural

DRIVER = "tcoder"

ATTRIBUTES = (
    "# tcoder: annotation files (<transcript>.<coder>.json) diff and merge by annotation;",
    "# the drivers recognise them by content and leave other JSON files to git",
    f"*.*.json diff={DRIVER} merge={DRIVER}",
    "# transcripts keep LF line endings on every platform",
    "*.txt text eol=lf",
    "*.md text eol=lf",
    "# the codebook's history (one change per line): branches that both changed the codebook keep both sides",
    "*.history.yaml merge=union",
)
IGNORES = (
    "# tcoder: writer locks and files left by an interrupted save",
    ".*.json.lock",
    ".*.tmp",
    "# tcoder's journal of study-wide operations (crash recovery and undo; local to this copy)",
    ".tcoder/",
)


def driver_prefix() -> str:
    """The command that runs this tcoder, by absolute path (see the module notes)."""
    python = sys.executable
    if python:
        return f"{shlex.quote(python)} -m tcoder"
    return "tcoder"  # an embedded interpreter: rely on PATH


def driver_config() -> dict[str, str]:
    prefix = driver_prefix()
    return {
        f"diff.{DRIVER}.textconv": f"{prefix} git textconv",
        f"merge.{DRIVER}.name": "tcoder: merge annotation files by annotation id",
        f"merge.{DRIVER}.driver": f"{prefix} git merge %O %A %B %P",
    }


@dataclass
class SetupReport:
    folder: Path
    scope: str  # "local" or "global"
    added: dict[str, list[str]] = field(default_factory=dict)  # file name -> lines added
    config_set: list[str] = field(default_factory=list)
    config_kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.config_set or any(self.added.values()))


def ensure_lines(path: Path, block: tuple[str, ...]) -> list[str]:
    """Append the rule lines of ``block`` missing from ``path`` (with the block's
    comments); returns the rules added. A file that has them all is not touched."""
    try:
        existing = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        existing = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise TcoderError(Problem(f"cannot read it ({exc}); fix or remove it and run setup again", path)) from None
    present = {line.strip() for line in existing.splitlines()}
    rules = [line for line in block if not line.startswith("#")]
    missing = [line for line in rules if line not in present]
    if not missing:
        return []
    out = [line for line in block if line.startswith("#") or line in missing]
    text = existing
    if text and not text.endswith("\n"):
        text += "\n"
    if text:
        text += "\n"
    text += "\n".join(out) + "\n"
    from tcoder.atomicio import atomic_write_text

    atomic_write_text(path, text)
    return missing


def ensure_config(values: dict[str, str], scope: str, cwd: Path, report: SetupReport) -> None:
    flag = "--global" if scope == "global" else "--local"
    for key, value in values.items():
        current = git(["config", flag, "--get", key], cwd, check=False)
        if current.returncode == 0 and current.stdout.decode("utf-8", "surrogateescape").rstrip("\n") == value:
            report.config_kept.append(key)
            continue
        git(["config", flag, key, value], cwd)
        report.config_set.append(key)


def setup(folder: str | Path, global_config: bool = False) -> SetupReport:
    folder = Path(folder)
    if not folder.is_dir():
        raise TcoderError(Problem("no such folder (give the study folder, or the repository's top folder)", folder))
    top = toplevel(folder)
    report = SetupReport(folder, "global" if global_config else "local")
    if top is None and not global_config:
        raise TcoderError(Problem(
            "not inside a git repository; run 'git init' in the study folder (or the folder above it) first, "
            "or use --global to set the drivers up for all your repositories", folder))
    if top is not None:
        report.added[".gitattributes"] = ensure_lines(folder / ".gitattributes", ATTRIBUTES)
        report.added[".gitignore"] = ensure_lines(folder / ".gitignore", IGNORES)
    else:
        report.notes.append("this folder is not in a git repository, so no .gitattributes was written; run "
                            "'tcoder git setup' in each study's repository (or commit the lines yourself)")
    ensure_config(driver_config(), report.scope, folder, report)
    if top is not None:
        report.notes.extend(_verify(folder))
    return report


def _verify(folder: Path) -> list[str]:
    """Warn when a rule elsewhere overrides ours, and about transcripts stored with CRLF."""
    notes = []
    sample = annotation_name("tcoder-check", "coder")
    attrs = git_text(["check-attr", "diff", "merge", "--", sample], folder, check=False)
    for line in attrs.splitlines():
        name, _, value = line.rpartition(": ")
        if not value.strip() == DRIVER:
            notes.append(f"warning: another .gitattributes rule overrides this one ({line.strip()}); "
                         "annotation files will not use the tcoder drivers until it is removed")
    eols = git_text(["ls-files", "--eol", "--", "*.txt", "*.md"], folder, check=False)
    crlf = [line.split("\t", 1)[-1] for line in eols.splitlines() if line.startswith("i/crlf")]
    if crlf:
        notes.append(f"{plural(len(crlf), 'transcript', 'is')} stored with CRLF line endings (e.g. {crlf[0]}); run "
                     "'git add --renormalize .' here and commit, so every checkout has LF")
    return notes
