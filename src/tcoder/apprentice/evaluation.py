"""Measuring the apprentice like a human coder: cross-validation by transcript.

Each transcript is held out in turn: a model is fitted on the other transcripts' coding
and proposes on the held-out one (leave-one-transcript-out; above :data:`MAX_FOLDS`
transcripts, :data:`MAX_FOLDS` folds of whole transcripts, assigned in name order). The
held-out proposals of every transcript are then compared with the coder the apprentice
learned from by Krippendorff's alpha at the same unit, through tcoder.agreement (the same
units, turn rule and bootstrap intervals as ``tcoder agree``), with precision and recall
of proposals per code. A code the full data cannot teach (too few coded units) is named
and skipped; a fold whose training part is too thin for a code proposes nothing for it,
which counts against the apprentice, and is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tcoder.apprentice import APPRENTICE
from tcoder.apprentice.model import THRESHOLD, fit, scores
from tcoder.apprentice.training import TrainingData
from tcoder.apprentice.units import training_hash

MAX_FOLDS = 10
BOOTSTRAP = 1000


@dataclass
class CodeEvaluation:
    code: str
    name: str
    alpha: float | None
    low: float | None
    high: float | None
    verdict: str | None
    precision: float | None
    recall: float | None
    gold_units: int  # units the coder coded with it
    proposed_units: int
    both: int
    folds_without_model: int  # folds whose training part could not teach the code

    @property
    def helps(self) -> str:
        """The plain verdict on whether the apprentice can help with this code."""
        if self.verdict == "reliable":
            return "can propose this code: its agreement with the coder is reliable"
        if self.verdict == "tentative":
            return "worth trying, with every proposal checked: agreement is tentative"
        if self.verdict == "inconclusive":
            return "cannot tell yet: more coded data are needed"
        if self.verdict == "too few":
            return "too few coded units to judge"
        if self.verdict == "undefined" or self.alpha is None:
            return "no agreement figure (see the reason in the table)"
        return "does not help: its proposals disagree with the coder"


@dataclass
class Evaluation:
    coder: str
    unit: str
    transcripts: int
    folds: int
    units: int
    codes: list[CodeEvaluation] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    bootstrap: int = BOOTSTRAP
    resample: str = ""
    resample_reason: str = ""
    training: str = ""


def folds_of(names: list[str]) -> list[list[str]]:
    ordered = sorted(names)
    k = min(MAX_FOLDS, len(ordered))
    return [ordered[i::k] for i in range(k)]


def evaluate(study, data: TrainingData, bootstrap: int = BOOTSTRAP, seed: int = 1) -> Evaluation:
    """Cross-validate the apprentice on ``data`` (at least two transcripts)."""
    from tcoder.agreement import agreement
    from tcoder.agreement.data import CodingData, Exclusions, TranscriptCoding, clean_spans
    from tcoder.turnrule import counted_text

    examples = {ex.name: ex for ex in data.examples}
    full = fit(data.examples, data.codes, data.coder, data.unit, "")
    learnable = [c for c in data.codes if c in full.codes]
    result = Evaluation(data.coder, data.unit, len(examples), 0, sum(len(ex.texts) for ex in data.examples),
                        skipped=dict(full.skipped), bootstrap=bootstrap,
                        training=training_hash(data.examples, data.coder, data.unit, data.codes))
    folds = folds_of(list(examples))
    result.folds = len(folds)
    proposed: dict[str, list[set[str]]] = {}
    missing = {c: 0 for c in learnable}
    for held in folds:
        train = [ex for name, ex in examples.items() if name not in held]
        model = fit(train, learnable, data.coder, data.unit, "")
        for code in learnable:
            if code not in model.codes:
                missing[code] += 1
        for name in held:
            ex = examples[name]
            per_code = scores(model, ex.texts)
            proposed[name] = [{c for c, values in per_code.items() if values[i] >= THRESHOLD}
                              for i in range(len(ex.texts))]
    # Agreement between the apprentice's held-out proposals and the coder, as tcoder agree computes it.
    codebook = study.codebook
    excluded = Exclusions()
    transcripts = []
    rule = study.turn_rule("agreement")
    gold_coder = data.coder if data.coder != APPRENTICE else f"{data.coder}-gold"
    for name in sorted(examples):
        ex = examples[name]
        ref = study.find(name)
        transcript = study.transcript(ref)
        gold = [(c, s, e) for (s, e), codes in zip(ex.spans, ex.codes, strict=True) for c in codes if c in learnable]
        mine = [(c, s, e) for (s, e), codes in zip(ex.spans, proposed[name], strict=True) for c in codes]
        spans = {gold_coder: clean_spans(gold, len(transcript.text), codebook, excluded),
                 APPRENTICE: clean_spans(mine, len(transcript.text), codebook, excluded)}
        selection = study.turn_selection(ref, rule)
        if not selection.everything_counts:
            view = counted_text(selection)
            for coder in spans:
                spans[coder], _ = view.spans(spans[coder])
            transcript = view.transcript
        transcripts.append(TranscriptCoding(transcript, spans))
    coding = CodingData([gold_coder, APPRENTICE], transcripts, codebook, excluded=excluded, rule=rule)
    agreed = agreement(coding, data.unit, bootstrap=bootstrap, seed=seed)
    result.resample, result.resample_reason = agreed.resample, agreed.resample_reason
    rows = {row.id: row for row in agreed.table.codes}
    for code in learnable:
        gold_n = proposed_n = both = 0
        for name, ex in examples.items():
            for codes, chosen in zip(ex.codes, proposed[name], strict=True):
                g, p = code in codes, code in chosen
                gold_n += g
                proposed_n += p
                both += g and p
        row = rows.get(code)
        interval = row.interval if row is not None else None
        result.codes.append(CodeEvaluation(
            code, codebook.display_name(code), row.alpha if row is not None else None,
            interval.low if interval is not None else None, interval.high if interval is not None else None,
            row.verdict if row is not None else None,
            both / proposed_n if proposed_n else None, both / gold_n if gold_n else None,
            gold_n, proposed_n, both, missing[code]))
    return result
