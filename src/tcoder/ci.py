"""The checks behind ``tcoder ci`` (docs/sharing.md#tcoder-ci): what must hold before
coding is merged or published, each failure with its file and place.

Everything ``tcoder check`` counts as an error fails here too; on top of it, ``ci``
requires definitions in the codebook (``ci.require`` in tcoder.yaml), treats a
transcript changed without its annotations re-anchored as an error (``check``
only warns, since ``check --fix`` repairs it), looks for merge conflicts git left
(unmerged paths, conflict markers committed in any file of the study) and holds
the agreement on the declared calibration transcripts to a floor, judged by the
lower end of its bootstrap interval. Nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tcoder.apprentice import APPRENTICE
from tcoder.check import annotation_lines, check_study, flagged_orphan_problems
from tcoder.errors import Problem, TcoderError
from tcoder.merge import conflict_problems
from tcoder.numbers import fixed, plural, verb_for
from tcoder.settings import SETTINGS_FILE
from tcoder.study import CONSENSUS, LoadedAnnotations, Study

#: The kinds of failure, in the order they are reported.
KINDS = ("definitions", "unknown codes", "orphaned", "merge conflicts", "re-anchoring", "calibration", "other")

_MARKERS = re.compile(rb"^(<{7}|>{7})(?: |\r?$)", re.MULTILINE)


@dataclass
class Calibration:
    """What the calibration check compared and found."""

    coders: list[str]
    unit: str
    transcripts: list[str]
    floor: float
    judged: int = 0  # codes and domains with enough units for a judgement
    below: int = 0
    not_judged: list[str] = field(default_factory=list)  # used on too few units


@dataclass
class CiReport:
    study: Study
    problems: dict[str, list[Problem]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    notes: list[str] = field(default_factory=list)
    calibration: Calibration | None = None
    #: how many of each thing were looked at, for the summary
    counted: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(self.problems.values())

    def add(self, kind: str, problem: Problem) -> None:
        self.problems[kind].append(problem)


def run_ci(study: Study) -> CiReport:
    report = CiReport(study)
    known = study.known_codes()
    # One pass over the annotation files: check's, which hands each file to ci's own look too.
    checked = check_study(study, per_file=lambda loaded: _file_findings(loaded, known))
    covered: set[Problem] = set()
    marked = _conflict_markers(study, report)
    _definitions(study, report)
    _annotations(checked.per_file, report, covered)
    _unmerged(study, report, marked)
    for problem in checked.errors:
        if problem in covered or (problem.path is not None and Path(problem.path) in marked):
            continue
        report.add("other", problem)
    _calibration(study, report)
    return report


def _definitions(study: Study, report: CiReport) -> None:
    required = study.settings.ci.require
    try:
        codebook = study.codebook
    except TcoderError:
        return  # check reports why, under "other"
    report.counted["codes"] = len(codebook)
    if not required:
        return
    for code in codebook:
        missing = [name for name in required if not getattr(code, name)]
        if missing:
            report.add("definitions", Problem(
                f"code {code.id!r} ({code.name}) has no {_and(missing)}; ci requires {_and(list(required))} for "
                "every code ('ci: require:' in tcoder.yaml sets which)", codebook.path, code.line))


@dataclass
class _FileFindings:
    """What ci finds in one annotation file, in the order it reports it."""

    annotations: int
    covered: list[Problem]  # the file's problems check reports too (not reported again as "other")
    found: list[tuple[str, Problem]]  # (kind, problem)


def _file_findings(loaded: LoadedAnnotations, known: set[str] | None) -> _FileFindings:
    coder, ref = loaded.coder, loaded.ref
    covered = [*loaded.problems, *flagged_orphan_problems(loaded)]
    found: list[tuple[str, Problem]] = []
    undecided = {m.old for m in loaded.migrations if not m.pending_write}
    named = [a for a in loaded.file.annotations
             if a.orphaned or (known is not None and a.code not in known and a.code not in undecided)]
    lines = annotation_lines(loaded.path, [a.id for a in named], loaded.raw) if named else {}
    for a in named:
        if a.orphaned:
            found.append(("orphaned", Problem(
                f"annotation {a.id} ({a.code}) of {coder} is orphaned: its passage {_quoted(a.quote)} is not "
                "in the transcript any more; code the passage again in the coding screen or delete the "
                "annotation", loaded.path, lines.get(a.id))))
        else:
            found.append(("unknown codes", Problem(
                f"annotation {a.id} of {coder} uses the code {a.code!r}, which is not in the codebook; add "
                "the code to the codebook or recode the annotation", loaded.path, lines.get(a.id))))
    conflicts = conflict_problems(loaded.file, loaded.path)
    covered.extend(conflicts)
    found.extend(("merge conflicts", problem) for problem in conflicts)
    if loaded.reanchored:
        moved = len(loaded.moved)
        lost = sum(1 for r in loaded.anchors if r.status == "orphaned")
        found.append(("re-anchoring", Problem(
            f"{ref.name} changed after {coder}'s annotations were placed on it (the file's text_sha256 is "
            f"not the transcript's): {plural(moved, 'annotation')} would move"
            + (f" and {lost} cannot be found" if lost else "")
            + "; run 'tcoder check --fix', look at what it reports, and commit the annotation file",
            loaded.path)))
    return _FileFindings(len(loaded.file.annotations), covered, found)


def _annotations(files: list[_FileFindings], report: CiReport, covered: set[Problem]) -> None:
    for findings in files:
        covered.update(findings.covered)
        for kind, problem in findings.found:
            report.add(kind, problem)
    report.counted["annotation files"] = len(files)
    report.counted["annotations"] = sum(f.annotations for f in files)


def _conflict_markers(study: Study, report: CiReport) -> set[Path]:
    """Files of the study with git's conflict markers (``<<<<<<<`` ... ``>>>>>>>``) in them."""
    settings = study.settings
    paths = [ref.path for ref in study.transcripts]
    for ref in study.transcripts:
        paths.extend(study.annotation_files(ref).values())
    paths.extend(study.stray_annotation_files)
    paths.extend(study.memo_paths)
    for name in (SETTINGS_FILE, settings.codebook, settings.attributes, settings.participants, settings.speakers,
                 settings.themes, str(Path(settings.themes).with_suffix(".history.yaml")),
                 str(Path(settings.codebook).with_suffix(".history.yaml"))):
        paths.append(study.root / name)
    marked: set[Path] = set()
    for path in dict.fromkeys(paths):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"<<<<<<<" not in data or b">>>>>>>" not in data:  # a quick look first: most files have neither
            continue
        starts = [m for m in _MARKERS.finditer(data) if m.group(1).startswith(b"<")]
        ends = [m for m in _MARKERS.finditer(data) if m.group(1).startswith(b">")]
        if not starts or not ends:
            continue
        marked.add(path)
        line = data.count(b"\n", 0, starts[0].start()) + 1
        report.add("merge conflicts", Problem(
            f"git's conflict markers ('<<<<<<<' ... '>>>>>>>') are in this file: {plural(len(starts), 'conflict')} of a merge "
            f"{verb_for(len(starts), 'was')} left unresolved; keep the right version of each and delete the markers"
            + (" (for annotation files, 'tcoder git setup' lets tcoder merge them by annotation)"
               if path.suffix == ".json" else ""), path, line))
    return marked


def _unmerged(study: Study, report: CiReport, marked: set[Path]) -> None:
    """Paths git holds as unmerged (a merge or rebase stopped on them)."""
    from tcoder.gitdriver.gitcmd import GitError, git, toplevel

    try:
        if toplevel(study.root) is None:
            return
        out = git(["ls-files", "-u", "-z", "--", "."], study.root).stdout
    except GitError:
        return
    seen: set[str] = set()
    for entry in out.split(b"\0"):
        if b"\t" not in entry:
            continue
        name = entry.split(b"\t", 1)[1].decode("utf-8", "surrogateescape")
        if name in seen:
            continue
        seen.add(name)
        path = study.root / name
        if path in marked:
            continue
        report.add("merge conflicts", Problem(
            "git has not merged this file (a merge or rebase stopped on it): resolve the conflict, then 'git add' "
            "it", path))


def _calibration(study: Study, report: CiReport) -> None:
    ci = study.settings.ci
    where = study.settings.path
    if not ci.calibration or ci.floor is None:
        return
    if study.settings.reflexive:
        report.add("calibration", Problem(
            "this study follows the reflexive approach (approach: reflexive), which makes no reliability claims: "
            "remove 'calibration' and 'floor' from the ci section", where, ci.line))
        return
    from tcoder.agreement import agreement, gather, result_dict
    from tcoder.agreement.data import matches
    from tcoder.coding_status import policy_of

    refs = [r for r in study.transcripts if matches(r.name, list(ci.calibration))]
    if not refs:
        report.add("calibration", Problem(
            f"no transcript matches the calibration globs {', '.join(ci.calibration)}", where, ci.line))
        return
    known = study.coders
    if ci.coders is not None:
        coders = list(ci.coders)
        missing = [c for c in coders if c not in known]
        if missing:
            report.add("calibration", Problem(
                f"ci.coders names {_and(missing)}, who have no annotation files in this study", where, ci.line))
            return
    else:
        coders = [c for c in known if c not in (CONSENSUS, APPRENTICE)]
    try:
        data = gather(study, coders, list(ci.calibration), study.turn_rule("agreement"), policy_of(study))
    except TcoderError as exc:
        for problem in exc.problems:
            report.add("calibration", problem)
        return
    names = [t.name for t in data.transcripts] if data.transcripts else []
    if not names:
        report.add("calibration", Problem(
            f"none of the {plural(len(refs), 'calibration transcript')} has files from two of the coders ({_and(coders)}) "
            "that count (marked done with 'tcoder status --done', or unmarked with annotations), so their "
            "agreement cannot be checked", where, ci.line))
        return
    result = agreement(data, ci.unit, bootstrap=ci.bootstrap, seed=ci.seed, resample="auto")
    payload = result_dict(result)
    cal = Calibration(list(payload["coders"]), ci.unit, list(payload["transcripts"]), ci.floor)
    report.calibration = cal
    from tcoder.agreement.methods import RESAMPLED

    method = str(payload.get("resampling", {}).get("method", "?"))
    basis = (f"{ci.unit} units; coders {_and(cal.coders)}; {plural(len(cal.transcripts), 'calibration transcript')}: "
             f"{', '.join(cal.transcripts)}; 95% interval from {ci.bootstrap:,} bootstrap samples, seed {ci.seed}, "
             f"resampling {RESAMPLED.get(method, method)}")
    report.notes.append(f"calibration: {basis}")
    short = f"{ci.unit} units, coders {_and(cal.coders)}, {plural(len(cal.transcripts), 'calibration transcript')}"
    skipped = payload["skipped_transcripts"]
    if skipped:
        report.notes.append(f"calibration: {plural(len(skipped), 'transcript')} not compared (fewer than two coders count "
                            f"there): {', '.join(skipped)}")
    for row in [*payload["codes"], *payload["domains"]]:
        label = row.get("code") or row.get("domain")
        what = f"{'domain' if 'domain' in row else 'code'} {label!r} ({row['name']})"
        if row["few"]:
            cal.not_judged.append(str(label))
            continue
        cal.judged += 1
        alpha, low, high = row["alpha"], row.get("ci_low"), row.get("ci_high")
        if alpha is None or low is None:
            cal.below += 1
            why = row["reason"] or "no interval could be computed"
            report.add("calibration", Problem(
                f"{what}: alpha cannot be judged against the floor {fixed(ci.floor)} ({why}; {short})", where, ci.line))
            continue
        if low < ci.floor:
            cal.below += 1
            warnings = (row.get("interval") or {}).get("warnings") or []
            report.add("calibration", Problem(
                f"{what}: alpha {fixed(alpha)}, 95% interval [{fixed(low)}, {fixed(high)}] reaches below the floor "
                f"{fixed(ci.floor)}" + f" ({short}" + (f"; {'; '.join(warnings)}" if warnings else "") + ")",
                where, ci.line))
    if cal.not_judged:
        report.notes.append(f"calibration: {plural(len(cal.not_judged), 'code or domain')} used on fewer than 20 units "
                            f"are not judged (too few for an interval to mean much): {', '.join(cal.not_judged)}")


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _quoted(quote: str | None) -> str:
    from tcoder.quotes import shorten

    return repr(shorten(quote, 50)) if quote else "(no quote stored)"


def summary_lines(report: CiReport) -> list[str]:
    """One line per kind of check: what was looked at and whether it passed."""
    p = report.problems
    c = report.counted
    lines = []

    def line(kind: str, looked: str) -> None:
        n = len(p[kind])
        lines.append(f"{kind:<16} {'FAIL' if n else 'ok  '}  {looked}" + (f"; {plural(n, 'problem')}" if n else ""))

    required = report.study.settings.ci.require
    line("definitions", f"{plural(c.get('codes', 0), 'code', 'needs')} {_and(list(required))}" if required
         else "not required (ci.require is empty)")
    line("unknown codes", f"{plural(c.get('annotations', 0), 'annotation')} in {plural(c.get('annotation files', 0), 'file')}")
    line("orphaned", plural(c.get('annotations', 0), 'annotation'))
    line("merge conflicts", "git's unmerged paths, conflict markers, tcoder's conflict records")
    line("re-anchoring", f"{plural(c.get('annotation files', 0), 'annotation file')} against their transcripts")
    cal = report.calibration
    if cal is not None:
        line("calibration", f"{plural(cal.judged, 'code or domain')} judged against the floor {fixed(cal.floor)}"
             + (f", {len(cal.not_judged)} too few to judge" if cal.not_judged else ""))
    elif p["calibration"]:
        line("calibration", "could not be computed")
    else:
        lines.append(f"{'calibration':<16} -     none declared (ci: calibration: and floor: in tcoder.yaml)")
    line("other", "every other error 'tcoder check' finds")
    return lines
