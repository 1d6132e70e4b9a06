"""``tcoder methods``: a methods section and its appendix, built from a study's facts.

The paragraphs say what the data holds and nothing more: the transcripts and who is in
them, who coded what, the codebook and how it changed, reliability (or, in a reflexive
study, why there is none), how the consensus was reached, the themes, the audit trail
and the software. What only the authors know (participant checking, how themes were
derived, the paradigm) is never written for them: the checklist at the end says which
COREQ and SRQR items the text covers and which the authors must add.
"""

from __future__ import annotations

from typing import Any

from tcoder.agreement.methods import UNIT_NOUNS, _alpha, _count, _names, _percent
from tcoder.apprentice.provenance import machine_sentence
from tcoder.numbers import word_for
from tcoder.reports.document import Document, ListBlock, Table
from tcoder.reports.methods_facts import DECISION_KINDS, DECISION_LABELS, StudyFacts

COVERED, PARTLY, AUTHORS = "covered", "in part", "for the authors"


def _n(n: int, singular: str) -> str:
    """'one transcript', 'six transcripts', '1,204 passages': the count in words for prose,
    the noun by the one plural rule (tcoder.numbers)."""
    word = _count(n) if n != 1 else "one"
    return f"{word} {word_for(n, singular)}"


def _share_of(part: int, whole: int) -> str:
    """'Four of the six transcripts'; 'All six transcripts' (never 'Six of the six')."""
    if part < whole:
        return f"{_cap(_count(part))} of the {_n(whole, 'transcript')}"
    return {1: "The transcript", 2: "Both transcripts"}.get(whole, f"All {_n(whole, 'transcript')}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _long_date(day: str) -> str:
    from tcoder.reports.codebook_log import _long_date as long_date

    return long_date(day)


# ---------------------------------------------------------------- the paragraphs


def data_sentence(f: StudyFacts) -> str:
    d = f.data
    n = len(d.transcripts)
    if n == 0:
        return "The study holds no readable transcript yet."
    text = f"The data are {_n(n, 'transcript')} ({d.words:,} words)"
    if d.speakers_file:
        kinds = []
        if d.interviews:
            kinds.append(_n(len(d.interviews), "one-to-one interview"))
        if d.focus_groups:
            kinds.append(_n(len(d.focus_groups), "focus group"))
        if d.unknown_kind:
            kinds.append(_n(len(d.unknown_kind), "transcript") + " without listed participants")
        text += f": {_names(kinds)}, with {_n(d.participants or 0, 'participant')} in all"
    return text + "."


def coding_sentences(f: StudyFacts) -> list[str]:
    c, d = f.coding, f.data
    if not c.coders:
        return ["No transcript has been coded yet."]
    per = ", ".join(f"{coder} {_count(len(c.coded[coder]))}" for coder in c.coders)
    if len(c.coders) == 1:
        coder = c.coders[0]
        out = [f"One coder ({coder}) coded {_n(len(c.coded[coder]), 'transcript')}; no transcript was coded by a "
               "second coder."]
    else:
        out = [f"{_cap(_count(len(c.coders)))} coders ({_names(c.coders)}) coded the transcripts, each in their own "
               f"annotation file ({per} transcripts)."]
        if c.double_coded:
            share = _percent(c.double_characters / d.characters if d.characters else None)
            out.append(f"{_share_of(len(c.double_coded), len(d.transcripts))} "
                       f"({share} of the text by length) {'was' if len(d.transcripts) == 1 else 'were'} coded by "
                       "two or more coders.")
        else:
            out.append("No transcript was coded by more than one coder.")
    for coder, names in c.left_out.items():
        out.append(f"Files not marked done are not counted: {coder}'s for {_names(names)}.")
    return out


def appendices(f: StudyFacts, agreement: dict[str, Any] | None) -> dict[str, str]:
    """The appendix letter of each part the study has: tree, reliability, consensus, history, checklist."""
    parts = ["tree"]
    if not f.reflexive and agreement is not None:
        parts.append("reliability")
    if not f.reflexive and f.consensus.transcripts:
        parts.append("consensus")
    if f.codebook.changes:
        parts.append("history")
    parts.append("checklist")
    return {part: "ABCDEFG"[i] for i, part in enumerate(parts)}


def codebook_sentences(f: StudyFacts, letters: dict[str, str] | None = None) -> list[str]:
    letters = letters or appendices(f, None)
    b = f.codebook
    if b.codes == 0:
        return ["The codebook has no codes yet."]
    title = f" (\u201c{b.title}\u201d)" if b.title else ""
    below = b.codes - b.top_level
    shape = (f"{_n(b.top_level, 'code')} at the top level and {_count(below) if below != 1 else 'one'} below them, "
             f"in {_n(b.levels, 'level')}" if b.levels > 1 else "all at the top level")
    domain = f", including {_n(b.domains, 'set')} of mutually exclusive codes" if b.domains else ""
    out = [f"The codebook{title} has {_n(b.codes, 'code')}: {shape}{domain}."]
    every = "All" if b.defined == b.codes else f"{b.defined:,} of the"
    out.append(f"{every} {b.codes:,} codes have a definition, {b.include:,} an inclusion and {b.exclude:,} an "
               f"exclusion criterion, and {b.examples:,} have examples; Appendix {letters['tree']} gives the coding "
               "tree with every definition.")
    if b.changes:
        from tcoder.reports.codebook_log import _VERBS

        order = ["new", "rename", "merge", "split", "move", "edit", "delete"]
        kinds = ", ".join(f"{b.changes_by_kind[op]} {_VERBS[op]}" for op in order if b.changes_by_kind.get(op))
        first, last = _long_date(b.first_change), _long_date(b.last_change)
        span = f"on {first}" if first == last else f"between {first} and {last}"
        by = f" by {_names(b.changed_by)}" if b.changed_by else ""
        out.append(f"Its recorded history holds {_n(b.changes, 'change')} {span}{by} ({kinds}): it began with "
                   f"{_n(b.initial_codes or 0, 'code')}, and every change was applied to every coder's annotations "
                   f"(Appendix {letters['history']}).")
    return out


def reliability_sentences(f: StudyFacts, agreement: dict[str, Any] | None) -> list[str]:
    if f.reflexive:
        out = ["The study follows a reflexive approach to thematic analysis: where more than one researcher coded a "
               "transcript, their readings were material for reflection rather than measurements, so no "
               "inter-coder reliability coefficient is reported."]
        if f.journal:
            out.append(f"The reflexive journal holds {_n(f.journal, 'entry')}.")
        return out
    if agreement is None:
        return []
    return [agreement["sentence"], agreement["results"] + ("" if agreement["results"].endswith(".") else ".")]


def consensus_sentences(f: StudyFacts) -> list[str]:
    s = f.consensus
    if f.reflexive or not s.transcripts:
        return []
    k = s.kinds
    if k["added"] == s.annotations and not k["left out"]:
        # nothing records how this consensus came about (coded by hand, or by another program)
        return [f"A consensus version exists for {_n(len(s.transcripts), 'transcript')} ({_n(s.annotations, 'passage')}); "
                "it records no source for any passage, so how it was reached is for the authors to describe."]
    both = "both coders" if len(f.coding.coders) == 2 else "every coder"
    parts = []
    for kind, words in (("agreed", f"had been coded identically by {both}"), ("kept", "had been coded by one coder only"),
                        ("one coder's boundaries", "took one coder's boundaries where the coders' boundaries differed"),
                        ("union", "took the union of the coders' passages"), ("intersection", "took their intersection"),
                        ("edited", "were redrawn from the coders' passages"),
                        ("added", "were added without a coder's passage behind them")):
        if k[kind]:
            parts.append(f"{k[kind]:,} {words}")
    listing = _names(parts)
    text = (f"The coders' versions were merged into a consensus for {_n(len(s.transcripts), 'transcript')}, "
            f"decided disagreement by disagreement in tcoder compare, which records where each consensus passage "
            f"came from. The consensus holds {_n(s.annotations, 'passage')}")
    text += f": {listing}." if listing else "."
    out = [text]
    if k["left out"]:
        out.append(f"A further {k['left out']:,} {'disagreement was' if k['left out'] == 1 else 'disagreements were'} "
                   "decided by keeping no code.")
    return out


def themes_sentence(f: StudyFacts) -> str | None:
    t = f.themes
    if not t.themes:
        return None
    statuses = ", ".join(f"{n:,} {status}" for status, n in sorted(t.by_status.items(), key=lambda i: (-i[1], i[0])))
    text = (f"The thematic map holds {_n(t.themes, 'theme')} ({statuses}), linked to {_n(t.codes, 'code')} of "
            "the codebook")
    if t.changes:
        text += f"; its history records {_n(t.changes, 'change')}, each with who made it, when and why"
    return text + "."


def audit_sentence(f: StudyFacts) -> str | None:
    parts = []
    if f.memos:
        journal = f", {_n(f.journal, 'journal entry')} among them" if f.journal else ""
        parts.append(f"{_n(f.memos, 'memo')}{journal}")
    if f.codebook.changes:
        parts.append("the codebook's history")
    if f.themes.changes:
        parts.append("the themes' history")
    if f.software.commit:
        parts.append("the study's git history")
    if not parts:
        return None
    return f"The audit trail consists of {_names(parts)}."


def software_sentence(f: StudyFacts) -> str:
    s = f.software
    text = f"Coding and analysis used tcoder {s.tcoder} (Python {s.python})"
    if s.commit:
        text += f"; the figures were computed from commit {s.commit[:12]} of the study's git repository"
        if s.clean is False:
            text += ", with uncommitted changes in the study folder"
    return text + "."


# ---------------------------------------------------------------- the document


def methods_document(f: StudyFacts, agreement: dict[str, Any] | None, agreement_rows: list[dict[str, Any]],
                     study_name: str, redact: bool = False) -> Document:
    """The methods section and its appendix; ``redact`` withholds the codebook's examples
    (they quote the transcripts)."""
    doc = Document("Methods", subtitle=f"Written by tcoder {f.software.tcoder} from the study {study_name}"
                   + (f" at commit {f.software.commit[:12]}" if f.software.commit else "")
                   + ". Every figure is counted from the study's files.")
    doc.heading("Data and coding", 2)
    doc.para(" ".join([data_sentence(f), *coding_sentences(f)]))
    doc.heading("Codebook", 2)
    letters = appendices(f, agreement)
    doc.para(" ".join(codebook_sentences(f, letters)))
    doc.heading("Reflexivity" if f.reflexive else "Reliability and consensus", 2)
    reliability, consensus = reliability_sentences(f, agreement), consensus_sentences(f)
    for sentences in (reliability, consensus):
        if sentences:
            doc.para(" ".join(sentences))
    if not reliability and not f.reflexive:
        doc.para("No transcript was coded by two coders whose files count, so no inter-coder reliability can be "
                 "reported.")
    analysis = [s for s in (themes_sentence(f), audit_sentence(f), software_sentence(f), machine_sentence(f.machine))
                if s]
    doc.heading("Analysis and software", 2)
    doc.para(" ".join(analysis))
    for note in f.notes:
        doc.para(note, style="note")
    _appendix(doc, f, agreement, agreement_rows, letters, redact)
    cited = references(doc)
    if cited:
        doc.heading("References", 2)
        doc.add(ListBlock([[r] for r in cited]))
    return doc


def _appendix(doc: Document, f: StudyFacts, agreement: dict[str, Any] | None,
              rows: list[dict[str, Any]], letters: dict[str, str], redact: bool = False) -> None:
    from tcoder.quotes import withheld

    codebook = f.study.codebook
    doc.heading(f"Appendix {letters['tree']}. The coding tree", 2)
    numbers = tree_numbers(codebook)
    doc.add(Table(["Code", "Definition", "Include", "Exclude", "Examples"],
                  [[f"{numbers[c.id]} {c.name}", c.description, c.include, c.exclude,
                    "\n".join(withheld(e) if redact else f"\u201c{e}\u201d" for e in c.examples)] for c in codebook],
                  caption="The coding tree, with each code's definition, inclusion and exclusion criteria and "
                          "examples", sheet="Coding tree"))
    if not f.reflexive and agreement is not None:
        doc.heading(f"Appendix {letters['reliability']}. Reliability per code", 2)
        used = "Passages" if agreement["unit"] in ("char", "word") else "Units coded"
        doc.add(Table(["Code", "Alpha", "95% interval", used, "Verdict"], [
            [r["label"], r["alpha"], r["interval"], r["coded"], r["verdict"]] for r in rows],
            caption=f"Krippendorff's alpha per code ({UNIT_NOUNS.get(agreement['unit'], (agreement['unit'],))[0]} units; coders: "
                    f"{', '.join(agreement['coders'])})", numeric={1, 3},
            notes=[agreement["verdict_rule"] or "No interval was computed, so no code has a verdict."],
            sheet="Reliability"))
    if not f.reflexive and f.consensus.transcripts:
        kinds = [k for k in DECISION_KINDS if f.consensus.kinds[k]]
        doc.heading(f"Appendix {letters['consensus']}. How the consensus was reached", 2)
        body: list[list[object]] = [[name, *(f.consensus.by_transcript[name][k] for k in kinds)]
                                    for name in f.consensus.transcripts]
        body.append(["All", *(f.consensus.kinds[k] for k in kinds)])
        doc.add(Table(["Transcript", *kinds], body, caption="Consensus passages by how they came about, and disagreements decided by keeping no code "
                              "(left out)",
                      numeric=set(range(1, len(kinds) + 1)),
                      notes=[f"{k}: {DECISION_LABELS[k]}." for k in kinds], sheet="Consensus"))
    if f.codebook.changes:
        from tcoder.reports.codebook_log import _Names, describe

        history = f.study.history
        names = _Names(codebook, history)
        doc.heading(f"Appendix {letters['history']}. How the codebook changed", 2)
        doc.add(Table(["Date", "Change", "By", "Rationale"],
                      [[e.when[:10], describe(e, names), e.who, e.why] for e in history.entries],
                      caption="Every recorded change to the codebook, oldest first", sheet="Codebook changes"))
    doc.heading(f"Appendix {letters['checklist']}. Reporting checklist", 2)
    doc.add(Table(["Guideline", "Item", "Status", "Where, or what to add"], checklist(f, agreement),
                  caption="COREQ (Tong et al. 2007) items 24-29 and SRQR (O'Brien et al. 2014) items 11-13",
                  sheet="Checklist"))


#: The works the text may cite, by how the text cites them.
REFERENCES = {
    "Hayes & Krippendorff 2007": "Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability "
                                 "measure for coding data. Communication Methods and Measures, 1(1), 77-89.",
    "Krippendorff 1995": "Krippendorff, K. (1995). On the reliability of unitizing continuous data. Sociological "
                         "Methodology, 25, 47-76.",
    "Krippendorff (2004)": "Krippendorff, K. (2004). Content analysis: An introduction to its methodology (2nd ed.). "
                           "Sage.",
    "O'Brien et al. 2014": "O'Brien, B. C., Harris, I. B., Beckman, T. J., Reed, D. A., & Cook, D. A. (2014). Standards "
                           "for reporting qualitative research: A synthesis of recommendations. Academic Medicine, "
                           "89(9), 1245-1251.",
    "Tong et al. 2007": "Tong, A., Sainsbury, P., & Craig, J. (2007). Consolidated criteria for reporting qualitative "
                        "research (COREQ): A 32-item checklist for interviews and focus groups. International Journal "
                        "for Quality in Health Care, 19(6), 349-357.",
}
#: Other ways the text cites the same works.
_CITED_AS = {"Krippendorff (2004)": ("Krippendorff 1995, 2004", "Krippendorff's (2004)", "Krippendorff (2004)"),
             "Krippendorff 1995": ("Krippendorff 1995",)}


def references(doc: Document) -> list[str]:
    """The full reference of every work the document cites, alphabetically."""
    from tcoder.reports.document import Heading, Paragraph

    text = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            text.append("".join(p if isinstance(p, str) else p.text for p in block.parts))
        elif isinstance(block, Table):
            text.append(block.caption)
            text.extend(block.notes)
        elif isinstance(block, Heading):
            text.append(block.text)
    joined = " ".join(text)
    return sorted(full for key, full in REFERENCES.items() if any(c in joined for c in _CITED_AS.get(key, (key,))))


def tree_numbers(codebook) -> dict[str, str]:
    """'1', '1.2', '1.2.1': each code's place in the tree, in codebook order."""
    out: dict[str, str] = {}
    counters: dict[str | None, int] = {}
    for code in codebook:
        counters[code.parent] = counters.get(code.parent, 0) + 1
        prefix = out[code.parent] + "." if code.parent else ""
        out[code.id] = f"{prefix}{counters[code.parent]}"
    return out


def checklist(f: StudyFacts, agreement: dict[str, Any] | None) -> list[list[object]]:
    coders = len(f.coding.coders)
    rows: list[list[object]] = []
    rows.append(["COREQ 24", "Number of data coders", COVERED if coders else AUTHORS,
                 f"Data and coding: {_n(coders, 'coder')}" if coders else "No coding yet"])
    letters = appendices(f, agreement)
    rows.append(["COREQ 25", "Description of the coding tree", COVERED,
                 f"Codebook; Appendix {letters['tree']}"
                 + (f"; Appendix {letters['history']} (its history)" if f.codebook.changes else "")])
    if f.themes.themes:
        rows.append(["COREQ 26", "Derivation of themes", PARTLY,
                     "Analysis: the thematic map" + (" and its history" if f.themes.changes else "")
                     + "; add whether themes were identified in advance or derived from the data"])
    else:
        rows.append(["COREQ 26", "Derivation of themes", AUTHORS,
                     "The study has no themes file; state whether themes were identified in advance or derived "
                     "from the data"])
    rows.append(["COREQ 27", "Software", COVERED, "Analysis and software"])
    rows.append(["COREQ 28", "Participant checking", AUTHORS,
                 "tcoder holds no record of participants' feedback on transcripts or findings"])
    rows.append(["COREQ 29", "Quotations presented", AUTHORS,
                 "Results: quote with participant numbers ('tcoder report STUDY segments --cite ATTR' lists "
                 "every quote with its citation)"])
    rows.append(["SRQR 11", "Data processing", PARTLY,
                 "Data and coding; Analysis and software (commit of the study files); add transcription, "
                 "de-identification and data security"])
    analysis = "reflexive approach" if f.reflexive else ("reliability and consensus" if agreement else "coding")
    rows.append(["SRQR 12", "Data analysis", PARTLY,
                 f"Data and coding; Codebook; {analysis}; add the paradigm or approach and how themes were developed"])
    trust = []
    if f.coding.double_coded:
        trust.append("double coding")
    if agreement is not None and not f.reflexive:
        trust.append("reliability")
    if f.consensus.transcripts and not f.reflexive:
        trust.append("consensus")
    if f.reflexive and f.journal:
        trust.append("reflexive journal")
    if audit_sentence(f):
        trust.append("audit trail")
    rows.append(["SRQR 13", "Techniques to enhance trustworthiness", PARTLY if trust else AUTHORS,
                 (", ".join(trust).capitalize() + "; add " if trust else "Add ")
                 + "member checking, triangulation or other techniques used"])
    return rows


def agreement_rows(result) -> list[dict[str, Any]]:
    """One row per code of an agreement result, as Appendix B shows it."""
    codebook = result.data.codebook if result.data is not None else None
    numbers = tree_numbers(codebook) if codebook is not None else {}
    out = []
    passages = result.unit in ("char", "word")
    for row in result.table.codes:
        interval = row.interval
        label = f"{numbers[row.id]} {row.name}" if row.id in numbers else row.name
        out.append({"label": label, "alpha": _alpha(row.alpha) if row.alpha is not None else "undefined",
                    "interval": f"{_alpha(interval.low)} to {_alpha(interval.high)}" if interval is not None
                    and interval.low is not None and interval.high is not None else "",
                    "coded": int(row.passages if passages else row.coded), "verdict": row.verdict or ""})
    for row in result.table.domains:
        interval = row.interval
        label = f"{numbers[row.id]} {row.name}" if row.id in numbers else row.name
        out.append({"label": f"{label} (set of exclusive codes, {row.level})",
                    "alpha": _alpha(row.alpha) if row.alpha is not None else "undefined",
                    "interval": f"{_alpha(interval.low)} to {_alpha(interval.high)}" if interval is not None else "",
                    "coded": None if passages else int(row.coded), "verdict": row.verdict or ""})
    return out
