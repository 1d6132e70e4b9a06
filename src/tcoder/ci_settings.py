"""The ``ci:`` section of ``tcoder.yaml``: what ``tcoder ci`` requires of a study
(docs/formats.md#settings-tcoderyaml, docs/sharing.md#tcoder-ci).

```yaml
ci:
  require: [description, include, exclude]   # fields every code must have (default); [] for none
  calibration: ["calibration/*.txt"]          # transcripts every coder codes to calibrate
  floor: 0.667                                # the interval's lower bound must reach it
  unit: sentence                              # agreement unit (default: sentence)
  coders: [alice, bob]                        # default: every coder but consensus
  bootstrap: 2000                             # samples for the 95% interval (1,000 or more)
  seed: 1
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tcoder.errors import Problem
from tcoder.yamlsource import YNode, check_fields, suggest

CI_FIELDS = ("require", "calibration", "floor", "unit", "coders", "bootstrap", "seed")
#: Fields of a code that ``require`` may name.
REQUIRABLE = ("description", "include", "exclude", "examples")
DEFAULT_REQUIRE = ("description", "include", "exclude")
CiUnit = Literal["char", "word", "line", "sentence", "turn"]
CI_UNITS: tuple[CiUnit, ...] = ("char", "word", "line", "sentence", "turn")
#: Below this, bootstrap intervals are unstable (KALPHA uses at least 1,000).
MIN_BOOTSTRAP = 1000


@dataclass(frozen=True)
class CiSettings:
    require: tuple[str, ...] = DEFAULT_REQUIRE
    calibration: tuple[str, ...] = ()
    floor: float | None = None
    unit: CiUnit = "sentence"
    coders: tuple[str, ...] | None = None
    bootstrap: int = 2000
    seed: int = 1
    #: where the section is, for messages about it
    line: int | None = None


def parse_ci(node: YNode, path: Path | None, problems: list[Problem]) -> CiSettings:
    """The section as written; every mistake is added to ``problems`` with its place."""
    if node.value is None:
        return CiSettings()
    if not node.is_map:
        problems.append(_at(node, "'ci' must be a mapping, e.g. {require: [description], floor: 0.667, "
                                  "calibration: [calibration/*.txt]}", path))
        return CiSettings()
    check_fields(node, CI_FIELDS, "the ci section of tcoder.yaml", path, problems)
    fields = node.value
    values: dict = {"line": node.mark.line}
    if "require" in fields:
        names = _strings(fields["require"])
        if names is None:
            problems.append(_at(fields["require"], f"'ci.require' must be a list of code fields, from "
                                                   f"{', '.join(REQUIRABLE)} (or [] for none)", path))
        else:
            bad = [n for n in names if n not in REQUIRABLE]
            for name in bad:
                problems.append(_at(fields["require"], f"'ci.require' names {name!r}, which is not a field ci can "
                                                       f"require{suggest(name, REQUIRABLE)}; fields: "
                                                       f"{', '.join(REQUIRABLE)}", path))
            if not bad:
                values["require"] = tuple(dict.fromkeys(names))
    if "calibration" in fields:
        globs = _strings(fields["calibration"])
        if globs is None or not all(g.strip() for g in globs):
            problems.append(_at(fields["calibration"], "'ci.calibration' must be a glob or a list of globs naming "
                                                       "the calibration transcripts", path))
        else:
            values["calibration"] = tuple(globs)
    if "floor" in fields:
        value = fields["floor"].value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1 <= value <= 1:
            problems.append(_at(fields["floor"], "'ci.floor' must be a number from -1 to 1, e.g. 0.667 or 0.8",
                                path))
        else:
            values["floor"] = float(value)
    if "unit" in fields:
        unit = fields["unit"].value
        if unit not in CI_UNITS:
            problems.append(_at(fields["unit"], f"'ci.unit' is one of {', '.join(CI_UNITS)}"
                                                f"{suggest(str(unit), CI_UNITS)}", path))
        else:
            values["unit"] = unit
    if "coders" in fields:
        coders = _strings(fields["coders"])
        if coders is None or len(set(coders)) < 2:
            problems.append(_at(fields["coders"], "'ci.coders' must list at least two coders, e.g. [alice, bob]",
                                path))
        else:
            values["coders"] = tuple(dict.fromkeys(coders))
    for name, low in (("bootstrap", MIN_BOOTSTRAP), ("seed", 0)):
        if name in fields:
            value = fields[name].value
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value < 2 ** 63:
                what = (f"a whole number of samples, {MIN_BOOTSTRAP:,} or more (fewer give unstable intervals)"
                        if name == "bootstrap" else "a whole number, 0 or more")
                problems.append(_at(fields[name], f"'ci.{name}' must be {what}", path))
            else:
                values[name] = value
    settings = CiSettings(**values)
    if settings.calibration and settings.floor is None:
        problems.append(_at(node, "'ci.calibration' names calibration transcripts but no 'floor' to hold their "
                                  "agreement to; add e.g. 'floor: 0.667'", path))
    if settings.floor is not None and not settings.calibration:
        problems.append(_at(node, "'ci.floor' needs 'calibration': the transcripts whose agreement it judges", path))
    return settings


def _strings(node: YNode) -> list[str] | None:
    if node.value is None:
        return []
    if isinstance(node.value, str):
        return [node.value]
    if node.is_seq and all(isinstance(v.value, str) for v in node.value):
        return [v.value for v in node.value]
    return None


def _at(node: YNode, message: str, path: Path | None) -> Problem:
    return Problem(message, path, node.mark.line, node.mark.column)
