"""The study as one table of coded segments, with the selection every report shares.

One row per annotation placed on the current text (orphaned annotations have no
place and are counted, not shown). A code chosen with ``--code`` stands for
itself and every code below it in the tree, unless ``exact``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from tcoder.annotations import AUTOCODE_FIELD
from tcoder.apprentice import APPRENTICE
from tcoder.codebook import Codebook
from tcoder.coding_status import policy_of, summarise
from tcoder.errors import Problem, TcoderError
from tcoder.numbers import plural, verb_for, word_for
from tcoder.parallel import jobs, map_ordered
from tcoder.reports.rows import ROW_FIELDS, Scan, TranscriptRows, transcript_rows
from tcoder.segments import turn_spans
from tcoder.study import CONSENSUS, Study
from tcoder.transcript import Transcript
from tcoder.turnrule import LeftOutTurns, TurnRule, TurnSelection

if TYPE_CHECKING:  # imported where used: reading the study needs neither
    import numpy as np
    import pandas as pd

    from tcoder.participants import Grouping

#: The columns of docs/formats.md#coded-segments, in order; case attributes follow.
SEGMENT_COLUMNS = ["transcript", "coder", "code", "code_name", "speaker", "start", "end", "quote", "memo"]


class UsageError(Exception):
    """A report asked for something the study does not have (exit 2)."""


@dataclass
class Selection:
    coders: list[str] | None = None  # None: the default choice (see choose_coders)
    codes: list[str] | None = None  # None: every code
    exact: bool = False
    pool: bool = False  # --pool: every coder but consensus, pooled
    pools: bool = False  # the report counts the chosen coders' annotations together
    left_out_roles: frozenset[str] | None = None  # --leave-out; None: the study's setting
    #: which coders' files count (tcoder.coding_status): "done" (default) or "any"; None: the study's setting
    policy: str | None = None
    #: --autocoded: annotations made by tcoder autocode are "include"d (and said so), "exclude"d, or the "only" ones
    autocoded: str = "include"
    #: --apprentice: passages accepted from the apprentice (and its own proposals) are "include"d (and said
    #: so), "exclude"d, or the "only" ones
    apprentice: str = "include"


def choose_coders(study: Study, selection: Selection) -> tuple[list[str], str]:
    """The coders a report rests on, and the sentence that says so under it.

    Coders are never pooled silently: without ``--coder`` a report uses ``consensus``
    when the study has it, a single coder when there is one, every coder side by side
    where the report keeps them apart (segments, frequencies without --by), and
    otherwise refuses until the user names coders (``--coder a,b``) or asks to
    ``--pool`` them all."""
    every = study.coders
    if selection.coders is not None:
        unknown = [c for c in selection.coders if c not in every]
        if unknown:
            raise UsageError(f"no annotation files of coder {', '.join(map(repr, unknown))} in this study; it has "
                             f"{', '.join(every) or 'none yet'}")
        coders = list(dict.fromkeys(selection.coders))
        if selection.pools and len(coders) > 1:
            return coders, f"Coders pooled (--coder): {', '.join(coders)}; a passage counts once if any of them coded it."
        return coders, f"Coders: {', '.join(coders)} (--coder)."
    if APPRENTICE in every:  # a coder of its own, in a report only when named (--coder apprentice)
        every = [c for c in every if c != APPRENTICE]
    if selection.pool:
        coders = [c for c in every if c != CONSENSUS] or every
        return coders, (f"Coders pooled (--pool): {', '.join(coders) or 'none'}; a passage counts once if any of them "
                        "coded it" + ("; consensus left out" if CONSENSUS in every and CONSENSUS not in coders else "")
                        + ".")
    if CONSENSUS in every:
        others = [c for c in every if c != CONSENSUS]
        return [CONSENSUS], ("Coders: consensus, the agreed version" + (
            f" ({', '.join(others)} left out; --coder or --pool choose them)" if others else "") + ".")
    if len(every) <= 1:
        return list(every), f"Coders: {', '.join(every) or 'none yet'}."
    if not selection.pools:
        return list(every), f"Coders: {', '.join(every)}, each shown separately."
    raise UsageError(f"this study has several coders ({', '.join(every)}) and no consensus, and this report would "
                     f"add up their coding: name one with --coder {every[0]}, pool some with --coder "
                     f"{','.join(every[:2])}, or pool them all with --pool")


@dataclass
class ReportData:
    study: Study
    codebook: Codebook
    coders: list[str]
    codes: list[str]  # the report's codes (rows), codebook order
    exact: bool
    #: one row per annotation (the chosen coders; every code): the table, or its columns until a report
    #: asks for the table (reports that only count never do, and need no pandas)
    segments: pd.DataFrame | dict[str, list]
    files: dict[str, set[str]]  # coder -> transcripts with a file of that coder
    warnings: list[Problem] = field(default_factory=list)
    coder_note: str = ""  # which coders the report rests on, and how (for the footer)
    rule: TurnRule | None = None  # which turns count; None: every turn
    #: code -> segments of the chosen coders with it (every code), counted as the study was read
    code_counts: dict[str, int] = field(default_factory=dict)
    #: report -> results counted transcript by transcript as the study was read (their rows not kept)
    counted: dict[str, dict] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """The segments as a table."""
        if isinstance(self.segments, dict):
            self.segments = _frame(self.segments)
        return self.segments

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self.segments = frame

    @cached_property
    def turn_columns(self) -> dict[str, list]:
        """Every turn of the report's transcripts, with speaker, participant and whether it counts
        (the columns of tcoder.reports.casedata.turn_columns)."""
        from tcoder.reports.casedata import turn_columns

        return turn_columns(self)

    @cached_property
    def turn_rows(self) -> pd.DataFrame:
        """:attr:`turn_columns` as a table."""
        from tcoder.reports.casedata import turns_frame

        return turns_frame(self.turn_columns)

    @cached_property
    def _piece_columns(self) -> tuple[dict[str, list], int]:
        from tcoder.reports.casedata import piece_columns

        return piece_columns(filter_codes(self), self.turn_columns)

    @property
    def piece_columns(self) -> dict[str, list]:
        """The report's annotations cut at the counted turns they cover (the columns of
        tcoder.reports.casedata.piece_columns)."""
        if "_tally" in self.__dict__:
            raise RuntimeError("the pieces were counted as the study was read (load(tally=...)), not kept")
        return self._piece_columns[0]

    @cached_property
    def left_out_annotations(self) -> int:
        """Annotations entirely in turns that do not count."""
        return self._piece_columns[1]

    @cached_property
    def pieces(self) -> pd.DataFrame:
        """:attr:`piece_columns` as a table."""
        from tcoder.reports.casedata import pieces_frame

        return pieces_frame(self.piece_columns)

    def coverage_notes(self) -> list[str]:
        """What the counts rest on: which turns were left out and which coders."""
        from tcoder.turnrule import describe

        notes = []
        if self.rule is not None and self.transcripts:
            selections: list[TurnSelection | LeftOutTurns] = self.__dict__.get("_left_out_turns") or [
                self.study.turn_selection(t, self.rule) for t in self.transcripts]
            inside = self.left_out_annotations
            extra = f"; {plural(inside, 'annotation')} entirely inside them left out" if inside else ""
            notes.append(describe(selections, self.rule, "these counts", extra))
        if self.coder_note:
            notes.append(self.coder_note)
        return notes

    def members(self, code: str) -> list[str]:
        """The codes a row stands for: itself and its descendants, unless exact."""
        return code_members(self.codebook, code, self.exact)

    def name(self, code: str) -> str:
        return self.codebook.display_name(code)

    def depth(self, code: str) -> int:
        return self.codebook[code].depth if code in self.codebook else 0

    def label(self, code: str) -> str:
        """The code's name indented by its depth in the tree."""
        return "  " * self.depth(code) + self.name(code)

    def transcript(self, name: str) -> Transcript:
        return self.study.transcript(name)

    def empty_note(self) -> str | None:
        """Why the report has no coded segments, or None when it has some."""
        if any(self.code_counts.get(c) for c in self.codes):
            return None
        who = f"{word_for(len(self.coders), 'coder')} {', '.join(self.coders)}" if self.coders else "any coder"
        if not any(self.files.values()):
            why = f"there are no annotation files of {who} in this study yet"
        elif not self.code_counts:
            why = f"the annotation files of {who} hold no annotations placed in the text"
        else:
            why = "none of the chosen codes is used in these annotations"
        return f"No coded segments to report: {why}."

    @cached_property
    def transcripts(self) -> list[str]:
        """Transcripts with a file of at least one chosen coder."""
        names = set().union(*self.files.values()) if self.files else set()
        return [r.name for r in self.study.transcripts if r.name in names]

    def turns(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        cache = self.__dict__.setdefault("_turns", {})
        if name not in cache:
            spans = turn_spans(self.transcript(name)) or [(0, len(self.transcript(name).text))]
            import numpy as np

            cache[name] = (np.array([s for s, _ in spans]), np.array([e for _, e in spans]))
        return cache[name]

    def attribute(self, column: str) -> dict[str, str]:
        """transcript -> value of one attribute ('' when missing)."""
        attrs = self.study.attributes
        return {name: attrs.of(name).get(column, "") for name in self.transcripts}


def code_members(codebook: Codebook, code: str, exact: bool) -> list[str]:
    """The codes a code stands for in a report: itself and its descendants, unless exact."""
    if exact or code not in codebook:
        return [code]
    return codebook.descendants(code)


#: ``load(tally=...)``: no tally
NO_TALLY = object()


def load(study: Study, selection: Selection, quotes: bool = True, counting: bool = False,
         meanwhile: Callable[[], object] | None = None, tally: Grouping | None | object = NO_TALLY) -> ReportData:
    """The report's segments of the whole study (``quotes``: with their text; a report that only
    counts leaves it out), and what the report rests on; ``counting``: with the turns and the
    pieces counting reports need (tcoder.reports.casedata), made as each transcript is read, and
    no table of segments (they do not use it). ``meanwhile`` runs while worker processes read the
    study (imports the report needs; by default pandas, which the table of segments is built with).
    ``tally``: with ``counting``, each transcript's pieces are counted by the frequencies report's
    groups of that grouping as it is read (tcoder.reports.frequencies.tally) and not kept."""
    meanwhile = meanwhile or _import_pandas
    codebook = study.codebook
    coders, coder_note = choose_coders(study, selection)
    known = set(codebook.codes)
    wanted = set(coders)
    policy = selection.policy or policy_of(study)
    scan = Scan(coders)
    rows: dict[str, list] = {c: [] for c in (*SEGMENT_COLUMNS, "id", "line")}
    queries: list[str] = []  # each row's autocode query ('' when a coder coded it)
    refs = {ref.name: ref for ref in study.transcripts if any(c in wanted for c in study.coders_of(ref))}

    rule = study.turn_rule("reports", selection.left_out_roles)
    if counting:
        from tcoder.reports.casedata import (
            PIECE_COLUMNS,
            TURN_COLUMNS,
            renumber,
            transcript_pieces,
            transcript_turns,
        )

        turns: dict[str, list] = {c: [] for c in TURN_COLUMNS}
        pieces: dict[str, list] = {c: [] for c in PIECE_COLUMNS}
        left_out: list[str] = []
        summaries: list[LeftOutTurns] = []  # the turns each transcript leaves out, for the coverage note
        tallying = tally is not NO_TALLY
        if tallying:
            from tcoder.reports.frequencies import Tally, transcripts_tally

            members = {code: code_members(codebook, code, selection.exact) for code in codebook.codes}
            total = Tally()

    def read(name: str) -> TranscriptRows:
        found = transcript_rows(study, refs[name], coders, known, policy, selection.autocoded, selection.apprentice,
                                quotes, lines=not counting)
        if counting and found.counted:  # its turns, and its annotations cut at them, while it is at hand
            chosen_turns = study.turn_selection(name, rule)
            table = transcript_turns(study, name, rule, chosen_turns)
            coder, code, aid, start, end = ([row[i] for row in found.rows] for i in (0, 1, 7, 3, 4))
            cut, left = transcript_pieces(name, coder, code, aid, start, end, table)
            found.cases = (table, cut, left, chosen_turns.left_out_turns())
        if counting:  # the pieces are what counts: the rows need not travel back
            found.code_counts = {}
            for row in found.rows:
                found.code_counts[row[1]] = found.code_counts.get(row[1], 0) + 1
            found.rows = []
        return found

    def read_batch(names: list[str]) -> tuple[list[TranscriptRows], Tally | None]:
        found = [read(name) for name in names]
        if not (counting and tallying):
            return found, None
        # counted here, the batch's transcripts at once: only the counts travel back
        counts = transcripts_tally(study, [(f.name, f.cases[0], f.cases[1], f.counted) for f in found if f.cases],
                                   tally, members)  # type: ignore[arg-type]
        for f in found:
            if f.cases is not None:
                f.cases = (f.cases[0], {}, *f.cases[2:])
        return found, counts

    def take(found: TranscriptRows) -> None:
        """One transcript read: its counts, turns, pieces and rows added to the study's."""
        scan.add(found, found.code_counts)
        if found.cases is not None:
            table, cut, left, summary = found.cases
            summaries.append(summary)
            if cut:
                renumber(cut, len(turns["transcript"]), len(pieces["coder"]))
            for column, cells in table.items():
                turns[column].extend(cells)
            for column, cells in cut.items():
                pieces[column].extend(cells)
            left_out.extend(left)
        if not found.rows:
            return
        rows["transcript"].extend([found.name] * len(found.rows))
        for name, values in zip(ROW_FIELDS, zip(*found.rows, strict=True), strict=True):
            (queries if name == "query" else rows[name]).extend(values)

    # a report that tallies reads transcripts in batches (a dozen or so per worker process), and
    # counts each batch at once
    order = list(refs)
    size = max(1, min(16, len(order) // (jobs() * 12))) if counting and tallying else 1
    batches = [order[i:i + size] for i in range(0, len(order), size)]
    number = 0
    for batch, counts in map_ordered(read_batch, batches, min_items=16 if size == 1 else 2):  # in worker
        if counts is not None:  # processes, in order
            total.add(counts)
        for found in batch:
            if number == 0:
                meanwhile()  # while the workers read
            number += 1
            take(found)
    if scan.errors:
        raise TcoderError(scan.errors + [Problem("the report would leave these annotations out; fix them first "
                                                 "('tcoder check STUDY' lists every problem)")])
    names = {cid: c.name for cid, c in codebook.codes.items()}
    rows["code_name"] = [names.get(c, c) for c in rows["code"]]
    if scan.machine:  # the query each autocoded passage came from, beside the memo, so it can be told apart
        rows = _with_column_after(rows, "memo", AUTOCODE_FIELD, queries)
    people = study.participants
    entries = [people.entry(t, s or None) for t, s in zip(rows["transcript"], rows["speaker"], strict=False)]
    rows["participant"] = [e.participant if e else "" for e in entries]
    rows["role"] = [e.role if e else "" for e in entries]
    attributes = study.attributes
    if attributes.columns:
        of = {ref.name: attributes.of(ref.name) for ref in study.transcripts}
        for column in attributes.columns:
            if column in rows:
                continue  # an attribute cannot hide a segment column
            rows[column] = [of[t].get(column, "") for t in rows["transcript"]]
    for column in people.columns:  # the speaker's own value wins over their transcript's
        if column in SEGMENT_COLUMNS or column in ("participant", "role", "id", "line"):
            continue
        own = [people.attributes_of(p).get(column, "") if p else None for p in rows["participant"]]
        fallback = rows.get(column) or [""] * len(own)
        rows[column] = [o if o is not None else f for o, f in zip(own, fallback, strict=False)]
    data = concluded(study, selection, coders, coder_note, scan, rows if counting else _frame(rows))
    if counting:  # the turns and pieces of casedata, as they would be computed from the table
        chosen = set(data.codes)
        keep = [i for i, code in enumerate(pieces["code"]) if code in chosen]
        if len(keep) < len(pieces["code"]):
            pieces = {column: [values[i] for i in keep] for column, values in pieces.items()}
            # an annotation's pieces are kept or left out together: number it by its first piece kept
            position = {old: new for new, old in enumerate(keep)}
            pieces["annotation"] = [position[first] for first in pieces["annotation"]]
        data.__dict__["turn_columns"] = turns
        data.__dict__["left_out_annotations"] = sum(1 for code in left_out if code in chosen)
        if tallying:
            data.__dict__["_tally"] = (tally, total)
        else:
            data.__dict__["_piece_columns"] = (pieces, data.left_out_annotations)
        data.__dict__["_left_out_turns"] = summaries
    return data


def _import_pandas() -> None:
    import pandas  # noqa: F401 - imported while the workers read


def concluded(study: Study, selection: Selection, coders: list[str], coder_note: str, scan: Scan,
              frame: pd.DataFrame | dict[str, list]) -> ReportData:
    """The report's data once every transcript is read: what it warns about, its coders and codes."""
    codebook = study.codebook
    files, machine, accepted = scan.files, scan.machine, scan.accepted
    warnings = [Problem(f"left out: {line}", study.root, severity="warning") for line in summarise(scan.left_out)]
    warnings += [Problem(f"counted: {line}; mark it with 'tcoder status --done'", study.root, severity="warning")
                 for line in summarise(scan.unmarked)]
    if machine and selection.autocoded == "include":
        who = ", ".join(f"{c} {n}" for c, n in sorted(machine.items()))
        total = sum(machine.values())
        warnings.append(Problem(f"{plural(total, 'annotation')} made by tcoder autocode {verb_for(total, 'is')} counted "
                                f"as their coders' coding ({who}; the autocode column names the query); --autocoded exclude "
                                "leaves them out", study.root, severity="warning"))
    if scan.machine_left_out:
        warnings.append(Problem(f"{plural(scan.machine_left_out, 'annotation')} made by tcoder autocode left out "
                                "(--autocoded exclude)", study.root, severity="warning"))
    if accepted and selection.apprentice == "include":
        who = ", ".join(f"{c} {n}" for c, n in sorted(accepted.items()))
        total = sum(accepted.values())
        warnings.append(Problem(f"{plural(total, 'passage')} from the apprentice (accepted from its proposals, or "
                                f"its own) {verb_for(total, 'is')} counted ({who}); --apprentice exclude leaves them "
                                "out", study.root, severity="warning"))
    if scan.accepted_left_out:
        warnings.append(Problem(f"{plural(scan.accepted_left_out, 'passage')} from the apprentice left out (--apprentice "
                                f"{selection.apprentice})", study.root, severity="warning"))
    if selection.apprentice == "only":
        coder_note = (coder_note + " " if coder_note else "") + ("Only passages from the apprentice (--apprentice "
                                                                 "only).")
    if selection.autocoded == "only":
        coder_note = (coder_note + " " if coder_note else "") + "Only annotations made by tcoder autocode (--autocoded only)."
    if scan.orphaned:
        warnings.append(Problem(f"{plural(scan.orphaned, 'orphaned annotation')} left out: their passage is no longer "
                                "in the transcript (see 'tcoder check')", study.root, severity="warning"))
    if scan.unknown_codes:
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(scan.unknown_codes.items()))
        warnings.append(Problem(f"codes not in the codebook: {listed}", study.codebook_path, severity="warning"))
    if selection.coders is None and any(files.values()):
        # Coders none of whose files count (all still coding, say) get no columns of zeros.
        coders = [c for c in coders if files[c]]
        files = {c: files[c] for c in coders}
    codes = select_codes(codebook, selection, sorted(scan.unknown_codes))
    rule = study.turn_rule("reports", selection.left_out_roles)
    return ReportData(study, codebook, coders, codes, selection.exact, frame, files, warnings, coder_note, rule,
                      code_counts=scan.code_counts)


_INTEGER_COLUMNS = {"start", "end", "line"}


def _with_column_after(rows: dict[str, list], after: str, name: str, values: list) -> dict[str, list]:
    """``rows`` with the column ``name`` placed right after ``after``."""
    out: dict[str, list] = {}
    for key, column in rows.items():
        out[key] = column
        if key == after:
            out[name] = values
    return out


def empty_frame(columns: list[str]) -> pd.DataFrame:
    """A segments frame with these columns and no rows."""
    return _frame({c: [] for c in columns})


def _frame(rows: dict[str, list]) -> pd.DataFrame:
    """The segments frame. With no rows at all its columns still get their types (text,
    or integers for offsets), so every report can treat an empty selection like any other."""
    import pandas as pd

    if rows["transcript"]:
        return pd.DataFrame(rows)
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c in _INTEGER_COLUMNS else str) for c in rows})


def select_codes(codebook: Codebook, selection: Selection, unknown: list[str]) -> list[str]:
    if selection.codes is None:
        return list(codebook.codes) + unknown
    chosen: list[str] = []
    for wanted in selection.codes:
        code = resolve_code(codebook, wanted, unknown)
        for c in ([code] if selection.exact or code not in codebook else codebook.descendants(code)):
            if c not in chosen:
                chosen.append(c)
    return sorted(chosen, key=codebook.sort_key)


def resolve_code(codebook: Codebook, wanted: str, unknown: list[str]) -> str:
    """A code by id, or by name (ignoring case) when no id matches."""
    if wanted in codebook or wanted in unknown:
        return wanted
    by_name = [c.id for c in codebook if c.name.casefold() == wanted.casefold()]
    if len(by_name) == 1:
        return by_name[0]
    from tcoder.yamlsource import suggest

    raise UsageError(f"no code {wanted!r} in the codebook{suggest(wanted, list(codebook.codes))}")


def filter_codes(data: ReportData, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The segments of the report's codes (each code as coded: members included)."""
    frame = data.frame if frame is None else frame
    return frame[frame["code"].isin(set(data.codes))]
