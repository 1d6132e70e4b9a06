"""Code sets: named groups of codes across the code tree (``code-sets.yaml``).

ATLAS.ti's code groups and MAXQDA's code sets come in from REFI-QDA projects and
codebooks as ``<Set>``s of ``<MemberCode>``s. A code set is not a branch of the tree:
a code can be in several sets, and a set can gather codes from different themes. The
file keeps them so that nothing is lost on import and they go out again on export::

    sets:
      - name: Barriers
        description: Everything that held the work back
        codes: [resistance, workload]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tcoder.atomicio import atomic_write_text
from tcoder.errors import Problem
from tcoder.yamlsource import YamlProblems, YNode, check_fields, parse_yaml

CODE_SETS_FILE = "code-sets.yaml"
SET_FIELDS = ("name", "description", "codes")
MAX_BYTES = 16 * 1024 ** 2


@dataclass
class CodeSet:
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)


def read_code_sets(study_root: str | os.PathLike[str]) -> tuple[list[CodeSet], list[Problem]]:
    """The study's code sets (none if there is no file), and what is wrong in the file."""
    from tcoder.errors import TcoderError
    from tcoder.safeio import decode_utf8, read_file

    path = Path(study_root) / CODE_SETS_FILE
    if not os.path.lexists(path):
        return [], []
    try:
        text = decode_utf8(read_file(path, limit=MAX_BYTES, what="the code sets file"), path, "the code sets file")
    except TcoderError as exc:
        return [], list(exc.problems)
    try:
        node = parse_yaml(text, path)
    except YamlProblems as exc:
        return [], list(exc.problems)
    return parse_code_sets(node, path)


def parse_code_sets(node: YNode | None, path) -> tuple[list[CodeSet], list[Problem]]:
    problems: list[Problem] = []
    if node is None:
        return [], []
    if not node.is_map or "sets" not in node.value:
        return [], [Problem("code sets are a mapping with 'sets:', a list of sets", path, node.mark.line,
                            node.mark.column)]
    check_fields(node, ("sets",), "the code sets file", path, problems)
    items = node.value["sets"]
    if not items.is_seq:
        return [], problems + [Problem("'sets' must be a list", path, items.mark.line, items.mark.column)]
    sets: list[CodeSet] = []
    for item in items.value:
        where = (path, item.mark.line, item.mark.column)
        if not item.is_map:
            problems.append(Problem("each code set is a mapping with 'name' and 'codes'", *where))
            continue
        check_fields(item, SET_FIELDS, "a code set", path, problems)
        name = item.value.get("name")
        if name is None or not isinstance(name.value, str) or not name.value.strip():
            problems.append(Problem("a code set needs a 'name'", *where))
            continue
        description = item.value.get("description")
        codes = item.value.get("codes")
        code_ids: list[str] = []
        if codes is not None and not (codes.is_seq and all(isinstance(c.value, (str, int)) for c in codes.value)):
            problems.append(Problem(f"'codes' of code set {name.value!r} must be a list of code ids", path,
                                    codes.mark.line, codes.mark.column))
        elif codes is not None:
            code_ids = [str(c.value) for c in codes.value]
        sets.append(CodeSet(name.value.strip(), str(description.value or "") if description else "", code_ids))
    return sets, problems


def code_set_problems(sets: list[CodeSet], known_codes: set[str], path) -> list[Problem]:
    """Codes a set names that the codebook does not have (kept, reported)."""
    problems = []
    for code_set in sets:
        missing = [c for c in code_set.codes if c not in known_codes]
        if missing:
            problems.append(Problem(f"code set {code_set.name!r} names codes that are not in the codebook: "
                                    f"{', '.join(missing)}", path, severity="warning"))
    return problems


def dump_code_sets(sets: list[CodeSet]) -> str:
    header = ("# Code sets: groups of codes across the code tree (ATLAS.ti code groups, MAXQDA code sets).\n"
              "# A code may be in several sets. See docs/formats.md#code-sets.\n")
    data = {"sets": [{"name": s.name, **({"description": s.description} if s.description else {}),
                      "codes": list(s.codes)} for s in sets]}
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def write_code_sets(study_root: str | os.PathLike[str], sets: list[CodeSet]) -> None:
    atomic_write_text(Path(study_root) / CODE_SETS_FILE, dump_code_sets(sets))
