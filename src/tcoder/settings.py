"""A study's optional settings file, ``tcoder.yaml`` (docs/formats.md#settings-tcoderyaml).

```yaml
codebook: codebooks/activism.yaml     # default: codebook.yaml
transcripts: ["interviews/**/*.txt"]  # default: every .txt and .md
exclude: ["drafts/**"]                # default: none (README files are never transcripts)
speaker_pattern: '^(?P<speaker>[A-Z][A-Za-z ]{0,30}):'
attributes: attributes.csv
participants: participants.csv        # people and their attributes
speakers: speakers.csv                # who speaks in which transcript, in what role
left_out_roles: [interviewer, moderator, observer]   # or per purpose: {agreement: [...], reports: [...]}
skip_speakers: [Interviewer, Moderator]   # speaker labels whose turns never count, whatever speakers.csv says
encoding: cp1250                      # legacy encoding of non-UTF-8 transcripts (default: detect)
memos: memos                          # the folder of memo files (default: memos)
themes: themes.yaml                   # the themes file (default: themes.yaml)
approach: reflexive                   # reflexive | codebook | reliability (default: reliability)
keys: {undo: ctrl+z, search: [slash, ctrl+f]}   # remap commands of the coding screens
queries:                              # saved coding queries (docs/search.md)
  advocacy-cost: curriculum-advocacy SAME TURN emotional-toll
include_unfinished: false             # agree/compare/report also count coders who have not marked a transcript done
ci: {require: [description], calibration: [calibration/*.txt], floor: 0.667}   # what tcoder ci requires
apprentice: false                     # no machine suggestions: tcoder suggest and its lane are turned off
```
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tcoder.ci_settings import CiSettings, parse_ci
from tcoder.codebook import COMMAND_KEYS
from tcoder.errors import CodebookError, Problem
from tcoder.transcript import compile_speaker_pattern
from tcoder.yamlsource import YamlProblems, YNode, check_fields, describe, parse_yaml, suggest

SETTINGS_FILE = "tcoder.yaml"
SETTINGS_FIELDS = ("codebook", "transcripts", "exclude", "speaker_pattern", "attributes", "participants", "speakers",
                   "left_out_roles", "skip_speakers", "encoding", "memos", "themes", "approach", "keys",
                   "queries", "include_unfinished", "ci", "apprentice")
#: What each purpose of ``left_out_roles`` governs (see tcoder.turnrule).
ROLE_PURPOSES = ("agreement", "uncoded_turns", "reports")
#: How the study analyses its data (Braun & Clarke's three families of thematic analysis).
#: Only ``reflexive`` changes what tcoder shows: coders' differences are material to
#: discuss, never a reliability figure.
APPROACHES = ("reliability", "codebook", "reflexive")
DEFAULT_TRANSCRIPTS = ("**/*.txt", "**/*.md")
#: Files that are documentation, not data, even though they end in .txt or .md.
ALWAYS_EXCLUDED = ("**/README*", "**/LICENSE*", "**/CHANGELOG*")


@dataclass
class Settings:
    path: Path | None = None
    codebook: str = "codebook.yaml"
    transcripts: tuple[str, ...] = DEFAULT_TRANSCRIPTS
    exclude: tuple[str, ...] = ()
    speaker_pattern: str | None = None
    attributes: str = "attributes.csv"
    participants: str = "participants.csv"
    speakers: str = "speakers.csv"
    left_out_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # purpose -> roles; default: all but participant
    #: speaker labels whose turns do not count for any purpose (tcoder.turnrule), as written in the transcripts
    skip_speakers: tuple[str, ...] = ()
    encoding: str | None = None
    memos: str = "memos"  # the folder of memo files, relative to the study
    themes: str = "themes.yaml"
    approach: str = "reliability"
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)  # saved coding queries: name -> query text
    #: count coders who have not marked a transcript done (see tcoder.coding_status)
    include_unfinished: bool = False
    #: what ``tcoder ci`` requires (tcoder.ci_settings)
    ci: CiSettings = field(default_factory=CiSettings)
    #: machine suggestions allowed (``tcoder suggest``, the apprentice lane); false is the study's "no AI" rule
    apprentice: bool = True

    @property
    def reflexive(self) -> bool:
        """Reflexive thematic analysis: no reliability figures or verdicts anywhere."""
        return self.approach == "reflexive"

    def in_memo_folder(self, rel_path: str) -> bool:
        """Whether a study-relative POSIX path is inside the memos folder."""
        folder = self.memos.strip("/")
        return bool(folder) and (rel_path == folder or rel_path.startswith(folder + "/"))

    @cached_property
    def compiled_speaker_pattern(self) -> re.Pattern[str]:
        return compile_speaker_pattern(self.speaker_pattern)

    def includes(self, rel_path: str) -> bool:
        """Whether a study-relative POSIX path is a transcript under these settings."""
        return not self.in_memo_folder(rel_path) and self.includes_ignoring_memos(rel_path)

    def includes_ignoring_memos(self, rel_path: str) -> bool:
        """:meth:`includes`, as it was before the memos folder existed (for old studies)."""
        return (any(glob_match(g, rel_path) for g in self.transcripts)
                and not any(glob_match(g, rel_path) for g in (*self.exclude, *ALWAYS_EXCLUDED)))

    def key_map(self) -> dict[str, tuple[str, ...]]:
        """Command id -> keys, defaults overridden by the settings."""
        merged = dict(COMMAND_KEYS)
        merged.update(self.keys)
        return merged


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def glob_match(pattern: str, rel_path: str) -> bool:
    """Match a POSIX relative path against a glob where ``**`` spans folders."""
    rx = _GLOB_CACHE.get(pattern)
    if rx is None:
        rx = _GLOB_CACHE[pattern] = re.compile(_glob_to_regex(pattern))
    return rx.fullmatch(rel_path) is not None


def _glob_to_regex(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def load_settings(root: Path) -> Settings:
    from tcoder.safeio import YAML_LIMIT, decode_utf8, read_file

    path = root / SETTINGS_FILE
    if not os.path.lexists(path):
        return Settings()
    raw = read_file(path, limit=YAML_LIMIT, what="tcoder.yaml", error=CodebookError)
    return parse_settings(decode_utf8(raw, path, "tcoder.yaml", CodebookError), path)


def parse_settings(text: str, path: Path) -> Settings:
    try:
        node = parse_yaml(text, path)
    except YamlProblems as exc:
        raise CodebookError(exc.problems) from None
    settings = Settings(path=path)
    if node is None:
        return settings
    problems: list[Problem] = []
    if not node.is_map:
        raise CodebookError(Problem("tcoder.yaml must be a mapping of settings", path, node.mark.line, 1))
    check_fields(node, SETTINGS_FIELDS, "tcoder.yaml", path, problems)
    fields = node.value
    for name in ("codebook", "attributes", "participants", "speakers", "memos", "themes"):
        if name in fields:
            value = fields[name]
            if isinstance(value.value, str) and value.value.strip():
                setattr(settings, name, value.value.strip())
            else:
                problems.append(_at(value, f"{name!r} must be a path", path))
    for name in ("transcripts", "exclude"):
        if name in fields:
            globs = _string_list(fields[name], name, path, problems)
            if globs is not None:
                setattr(settings, name, tuple(globs))
    if "left_out_roles" in fields:
        _left_out_roles(fields["left_out_roles"], settings, path, problems)
    if "skip_speakers" in fields:
        _skip_speakers(fields["skip_speakers"], settings, path, problems)
    settings.memos = settings.memos.replace("\\", "/").removeprefix("./").strip("/")
    if "memos" in fields and not _inside_study(settings.memos):
        problems.append(_at(fields["memos"], "'memos' must be a folder inside the study (a relative path without "
                                             "'..')", path))
    if "approach" in fields:
        value = fields["approach"].value
        if value not in APPROACHES:
            problems.append(_at(fields["approach"], f"'approach' is one of {', '.join(APPROACHES)}"
                                                    f"{suggest(str(value), APPROACHES)}", path))
        else:
            settings.approach = value
    if "encoding" in fields:
        _encoding(fields["encoding"], settings, path, problems)
    if "speaker_pattern" in fields:
        _speaker_pattern(fields["speaker_pattern"], settings, path, problems)
    if "queries" in fields:
        _queries(fields["queries"], settings, path, text, problems)
    for name, hint in (("include_unfinished", ""), ("apprentice", " (false: no machine suggestions)")):
        if name in fields:
            node = fields[name]
            if isinstance(node.value, bool):
                setattr(settings, name, node.value)
            else:
                problems.append(_at(node, f"'{name}' must be true or false{hint}", path))
    if "ci" in fields:
        settings.ci = parse_ci(fields["ci"], path, problems)
    if "keys" in fields:
        _keys(fields["keys"], settings, path, problems)
        if settings.keys:
            _key_clashes(fields["keys"], settings, path, problems)
    if problems:
        raise CodebookError(problems)
    return settings


def _inside_study(folder: str) -> bool:
    parts = folder.replace("\\", "/").split("/")
    return not folder.startswith(("/", "\\")) and ":" not in parts[0] and ".." not in parts


def _at(node: YNode, message: str, path) -> Problem:
    return Problem(message, path, node.mark.line, node.mark.column)


def _string_list(node: YNode, name: str, path, problems: list[Problem]) -> list[str] | None:
    if isinstance(node.value, str):
        return [node.value]
    if node.is_seq and all(isinstance(v.value, str) for v in node.value):
        return [v.value for v in node.value]
    problems.append(_at(node, f"{name!r} must be a glob or a list of globs", path))
    return None


def _skip_speakers(node: YNode, settings: Settings, path, problems: list[Problem]) -> None:
    if node.value is None:
        return
    values = [node] if isinstance(node.value, str) else node.value if node.is_seq else None
    if values is None or not all(isinstance(v.value, str) and v.value.strip() for v in values):
        problems.append(_at(node, "'skip_speakers' must be a list of speaker labels as the transcripts write them, "
                                  "e.g. [Interviewer, Moderator]", path))
        return
    settings.skip_speakers = tuple(dict.fromkeys(v.value.strip() for v in values))


def _roles(node: YNode, what: str, path, problems: list[Problem]) -> tuple[str, ...] | None:
    from tcoder.participants import ROLES

    if node.value is None:
        return ()
    if isinstance(node.value, str):
        names = [node.value]
    elif node.is_seq and all(isinstance(v.value, str) for v in node.value):
        names = [v.value for v in node.value]
    else:
        problems.append(_at(node, f"{what} must be a list of roles, e.g. [interviewer, moderator]", path))
        return None
    for name in names:
        if name.lower() not in ROLES:
            problems.append(_at(node, f"unknown role {name!r} in {what}{suggest(name.lower(), ROLES)}; roles are "
                                      f"{', '.join(ROLES)}", path))
            return None
    return tuple(n.lower() for n in names)


def _left_out_roles(node: YNode, settings: Settings, path, problems: list[Problem]) -> None:
    """A list of roles for every purpose, or a mapping purpose -> list."""
    if node.is_map:
        for purpose, value in node.value.items():
            if purpose not in ROLE_PURPOSES:
                problems.append(_at(value, f"unknown purpose {purpose!r} in 'left_out_roles'"
                                           f"{suggest(purpose, ROLE_PURPOSES)}; the purposes are "
                                           f"{', '.join(ROLE_PURPOSES)}", path))
                continue
            roles = _roles(value, f"left_out_roles.{purpose}", path, problems)
            if roles is not None:
                settings.left_out_roles[purpose] = roles
        return
    roles = _roles(node, "'left_out_roles'", path, problems)
    if roles is not None:
        settings.left_out_roles = {purpose: roles for purpose in ROLE_PURPOSES}


def _encoding(node: YNode, settings: Settings, path, problems: list[Problem]) -> None:
    import codecs

    advice = "use a name such as cp1252, cp1250 or latin-1"
    if node.raw is None or not isinstance(node.value, str):
        problems.append(_at(node, f"'encoding' must be the name of a text encoding, not {describe(node)}; {advice}",
                            path))
        return
    try:
        info = codecs.lookup(node.raw)
    except LookupError:
        problems.append(_at(node, f"unknown encoding {describe(node)}; {advice}", path))
        return
    # base64, hex, zlib, rot13...: codecs that turn bytes into bytes (or text into text)
    if not getattr(info, "_is_text_encoding", True) or info.name == "undefined":
        problems.append(_at(node, f"{describe(node)} is not a text encoding (it does not turn bytes into "
                                  f"text); {advice}", path))
        return
    settings.encoding = info.name


def _speaker_pattern(node: YNode, settings: Settings, path, problems: list[Problem]) -> None:
    if not isinstance(node.value, str):
        problems.append(_at(node, "'speaker_pattern' must be a regular expression (a string)", path))
        return
    try:
        rx = re.compile(node.value, re.MULTILINE)
    except re.error as exc:
        problems.append(_at(node, f"'speaker_pattern' is not a valid regular expression: {exc.msg} "
                                  f"at position {exc.pos}", path))
        return
    if "speaker" not in rx.groupindex and rx.groups == 0:
        problems.append(_at(node, "'speaker_pattern' needs a group that captures the name, e.g. "
                                  "'^(?P<speaker>[^:]{1,40}):'", path))
        return
    settings.speaker_pattern = node.value


def _queries(node: YNode, settings: Settings, path, text: str, problems: list[Problem]) -> None:
    """Saved queries: names and their syntax are checked here; codes and fields when a query runs."""
    from tcoder.search.query_syntax import SAVED_NAME, QueryError, parse_query

    if not node.is_map:
        problems.append(_at(node, "'queries' maps names to coding queries, e.g. "
                                  "{advocacy-cost: curriculum-advocacy SAME TURN emotional-toll}", path))
        return
    lines = text.splitlines()
    for name, value in node.value.items():
        where = node.key_marks[name] if node.key_marks and name in node.key_marks else value.mark
        if not SAVED_NAME.match(name):
            problems.append(Problem(f"the query name {name!r} is not valid: use letters, digits, '-' and '_', "
                                    "starting with a letter or digit", path, where.line, where.column))
            continue
        if not isinstance(value.value, str) or not value.value.strip():
            problems.append(_at(value, f"the saved query {name!r} must be a query (text), e.g. "
                                       "'curriculum-advocacy AND emotional-toll'", path))
            continue
        try:
            parse_query(value.value)
        except QueryError as exc:
            line, column = value.mark.line, None
            source = lines[line - 1] if 0 < line <= len(lines) else ""
            if "\n" not in value.value.strip() and exc.position is not None:
                quoted = source[value.mark.column - 1:value.mark.column] in ("'", '"')
                column = value.mark.column + exc.position + (1 if quoted else 0)
            problems.append(Problem(f"the saved query {name!r} is not valid: {exc.message}", path, line, column))
            continue
        settings.queries[name] = value.value.strip()


#: Commands that only act inside a dialog, where the coding screen's keys are not bound.
_DIALOG_COMMANDS = frozenset({"close_dialog", "confirm_dialog"})


def _key_clashes(node: YNode, settings: Settings, path, problems: list[Problem]) -> None:
    """A key the user gave to a command must not also belong to another command."""
    effective = settings.key_map()
    owners: dict[str, list[str]] = {}
    for command, keys in effective.items():
        if command in _DIALOG_COMMANDS:
            continue
        for key in keys:
            owners.setdefault(key, []).append(command)
    for command, keys in settings.keys.items():
        for key in keys:
            others = [c for c in owners.get(key, []) if c != command]
            if others:
                where = node.value[command]
                default = " (its default key; remap it too)" if all(key in COMMAND_KEYS[o] and o not in settings.keys
                                                                    for o in others) else ""
                problems.append(_at(where, f"{key!r} is bound to both {command!r} and {', '.join(map(repr, others))}"
                                           f"{default}; give each command its own key", path))


def _keys(node: YNode, settings: Settings, path, problems: list[Problem]) -> None:
    if not node.is_map:
        problems.append(_at(node, "'keys' maps command names to keys, e.g. {undo: ctrl+z}", path))
        return
    for command, value in node.value.items():
        if command not in COMMAND_KEYS:
            problems.append(_at(value, f"unknown command {command!r}{suggest(command, COMMAND_KEYS)}", path))
            continue
        keys = _string_list(value, f"keys.{command}", path, problems)
        if keys is None:
            continue
        for key in keys:
            if len(key) == 1 and key.isalnum():
                problems.append(_at(value, f"{key!r} cannot be a command key: letters and digits belong to "
                                           "the codebook", path))
                break
        else:
            settings.keys[command] = tuple(keys)
