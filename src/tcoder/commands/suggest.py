"""tcoder suggest train|run|evaluate: the offline apprentice coder (docs/apprentice.md)."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "an offline apprentice coder: learn from the team's coding, propose, and measure it like a coder"
DESCRIPTION = """The apprentice learns, per code, a small model from one coder's coding (by
default the consensus) on this study alone: TF-IDF word and character n-grams with a
linear classifier (scikit-learn, fixed seed). Nothing is downloaded and no network
connection is opened. Its proposals are written as the coder 'apprentice', in its own
annotation files (each with its score, the model id and the training data hash), never
into a human coder's file.

  tcoder suggest train STUDY [--from consensus] [--unit sentence|turn]
  tcoder suggest run STUDY [TRANSCRIPT...]      proposals for the named transcripts, or for
                                                 every transcript the model did not learn from
  tcoder suggest evaluate STUDY [--from consensus] [--unit sentence|turn]
                                                 cross-validation by transcript: alpha against the
                                                 coder, precision, recall and a verdict per code
  tcoder code STUDY --coder NAME --with apprentice   step through the proposals, accept or dismiss

A study can turn all of this off with 'apprentice: false' in tcoder.yaml. Needs the
optional extra: pip install 'tcoder[suggest]'. See docs/apprentice.md."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="suggest_command", metavar="SUBCOMMAND")

    def learning(p: argparse.ArgumentParser) -> None:
        p.add_argument("study", metavar="STUDY", help="the study folder")
        p.add_argument("--from", dest="coder", default="consensus", metavar="CODER",
                       help="whose coding to learn from (default: consensus)")
        p.add_argument("--unit", choices=("sentence", "turn"), default="sentence",
                       help="what a proposal covers (default: sentence)")
        p.add_argument("--include-unfinished", action="store_true",
                       help="also learn from files not marked done")

    train = sub.add_parser("train", help="fit the model on a coder's coding and save it in the study",
                           description="Fit, per code, a model on the coder's coding and save it in the study "
                                       "(.tcoder/apprentice/, named by its id).")
    learning(train)
    run = sub.add_parser("run", help="write proposals as the coder 'apprentice'",
                         description="Write the current model's proposals as the coder 'apprentice' "
                                     "(one undoable step). Without TRANSCRIPT: every transcript the model "
                                     "did not learn from.")
    run.add_argument("study", metavar="STUDY", help="the study folder")
    run.add_argument("transcripts", metavar="TRANSCRIPT", nargs="*", help="transcripts (names, stems or paths)")
    evaluate = sub.add_parser("evaluate", help="cross-validate by transcript: alpha, precision and recall per code",
                              description="Hold out each transcript in turn, train on the others, and compare the "
                                          "held-out proposals with the coder: alpha (as tcoder agree), precision, "
                                          "recall and a verdict per code.")
    learning(evaluate)
    evaluate.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                          help="bootstrap samples for the alpha intervals (default 1000)")
    evaluate.add_argument("--seed", type=int, default=1, help="random seed of the bootstrap (default 1)")
    evaluate.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    parser.set_defaults(suggest_parser=parser)


def _say(message: str, stream=None) -> None:
    from tcoder.textsafe import for_stream

    stream = stream or sys.stdout
    print(for_stream(message, stream), file=stream)


def _usage(message: str) -> int:
    _say(f"tcoder suggest: error: {message}", sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "suggest_command", None)
    if command is None:
        args.suggest_parser.print_help(sys.stderr)
        return 2
    from tcoder.apprentice import check_allowed, require_sklearn
    from tcoder.errors import warn_study_problems
    from tcoder.study import open_study

    study = open_study(args.study)
    check_allowed(study)
    require_sklearn()
    warn_study_problems(study)
    if command == "train":
        return _train(study, args)
    if command == "run":
        return _run(study, args)
    return _evaluate(study, args)


def _data(study, args):
    from tcoder.apprentice import APPRENTICE, ApprenticeError
    from tcoder.apprentice.training import training_data
    from tcoder.errors import Problem

    if args.coder == APPRENTICE:
        raise ApprenticeError(Problem("the apprentice does not learn from its own proposals; name a human coder or "
                                      "the consensus with --from", study.root))
    if args.coder not in study.coders:
        have = ", ".join(study.coders) or "none yet"
        raise ApprenticeError(Problem(f"no annotation files from {args.coder!r} in this study (coders: {have})",
                                      study.root))
    data = training_data(study, args.coder, args.unit, include_unfinished=args.include_unfinished)
    for name, why in data.not_counted:
        _say(f"note: {name}: {args.coder}'s file is left out ({why})", sys.stderr)
    if data.left_out_annotations:
        _say(f"note: {plural(data.left_out_annotations, 'annotation')} of {args.coder} left out (orphaned, or "
             "codes not in the codebook)", sys.stderr)
    if not data.examples:
        raise ApprenticeError(Problem(f"no transcript has a file of {args.coder} that counts (mark files done with "
                                      "'tcoder status', or add --include-unfinished)", study.root))
    return data


def _train(study, args) -> int:
    from tcoder.apprentice.model import fit
    from tcoder.apprentice.modelfile import save_model
    from tcoder.apprentice.units import training_hash

    data = _data(study, args)
    training = training_hash(data.examples, data.coder, data.unit, data.codes)
    model = fit(data.examples, data.codes, data.coder, data.unit, training)
    path = save_model(study.root, model)
    units = sum(len(ex.texts) for ex in data.examples)
    _say(f"Trained on {args.coder}'s coding of {plural(len(data.examples), 'transcript')} "
         f"({plural(units, data.unit)}): {plural(len(model.codes), 'code')} learned, "
         f"{len(model.skipped)} skipped.")
    for code, why in model.skipped.items():
        _say(f"  skipped {code}: {why}")
    _say(f"Model {model.id} (training data {training[:16]}) saved in {path.relative_to(study.root).as_posix()}.")
    _say("Next: 'tcoder suggest evaluate STUDY' to measure it, 'tcoder suggest run STUDY' to propose.")
    return 0


def _run(study, args) -> int:
    from tcoder.apprentice.modelfile import load_model
    from tcoder.apprentice.proposals import write_proposals

    model = load_model(study.root)
    trained = {name for name, _ in model.transcripts}
    if args.transcripts:
        refs = [study.find(name) for name in args.transcripts]
    else:
        refs = [r for r in study.transcripts if r.name not in trained]
        if not refs:
            _say("Every transcript is one the model learned from: name the transcripts to propose on "
                 "('tcoder suggest run STUDY P01'); on those, proposals repeat what it learned.", sys.stderr)
            return 1
    repeated = [r.name for r in refs if r.name in trained]
    if repeated:
        _say(f"note: the model learned from {', '.join(repeated)}: its proposals there repeat its training, "
             "they do not measure it (tcoder suggest evaluate does)", sys.stderr)
    outcome = write_proposals(study, refs, model)
    total = sum(outcome.proposals.values())
    _say(f"Proposed {plural(total, 'passage')} on {plural(len(outcome.proposals), 'transcript')} "
         f"({plural(outcome.units, model.unit)} scored) as the coder apprentice, model {model.id}"
         + (f" (one step: tcoder undo {outcome.operation})" if outcome.operation else "") + ".")
    for name, n in outcome.proposals.items():
        _say(f"  {name}: {plural(n, 'proposal')}")
    return 0


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _evaluate(study, args) -> int:
    from tcoder.apprentice import ApprenticeError
    from tcoder.apprentice.evaluation import evaluate
    from tcoder.errors import Problem

    if args.bootstrap < 1:
        return _usage("--bootstrap must be 1 or more: a verdict needs an interval")
    data = _data(study, args)
    if len(data.examples) < 2:
        raise ApprenticeError(Problem("cross-validation by transcript needs the coder's coding of at least two "
                                      "transcripts", study.root))
    result = evaluate(study, data, bootstrap=args.bootstrap, seed=args.seed)
    if args.format == "json":
        import json

        payload = {
            "format": "tcoder-apprentice-evaluation/1", "coder": result.coder, "unit": result.unit,
            "transcripts": result.transcripts, "folds": result.folds, "units": result.units,
            "training": result.training, "bootstrap": result.bootstrap, "resample": result.resample,
            "codes": [{"code": c.code, "alpha": c.alpha, "interval": [c.low, c.high] if c.low is not None else None,
                       "verdict": c.verdict, "precision": c.precision, "recall": c.recall,
                       "coded_units": c.gold_units, "proposed_units": c.proposed_units, "both": c.both,
                       "folds_without_model": c.folds_without_model, "helps": c.helps} for c in result.codes],
            "skipped": result.skipped,
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    _say(f"The apprentice against {result.coder}, {result.unit} units, cross-validated by transcript: "
         f"{plural(result.transcripts, 'transcript')} in {plural(result.folds, 'fold')}, each predicted by a "
         f"model that never saw it ({plural(result.units, result.unit)}).")
    _say(f"Alpha as 'tcoder agree --unit {result.unit}' computes it; 95% intervals from "
         f"{result.bootstrap:,} bootstrap samples ({result.resample}: {result.resample_reason}).")
    _say("")
    width = max([len(c.code) for c in result.codes] + [4])
    _say(f"{'code':<{width}}  {'alpha':>6}  {'95% interval':>15}  {'precision':>9}  {'recall':>6}  "
         f"{'coded':>5}  {'proposed':>8}  verdict")
    for c in result.codes:
        interval = f"[{_fmt(c.low)}, {_fmt(c.high)}]" if c.low is not None else "-"
        _say(f"{c.code:<{width}}  {_fmt(c.alpha):>6}  {interval:>15}  {_fmt(c.precision, 2):>9}  "
             f"{_fmt(c.recall, 2):>6}  {c.gold_units:>5}  {c.proposed_units:>8}  {c.verdict or '-'}")
    _say("")
    helpful = [c.code for c in result.codes if c.verdict in ("reliable", "tentative")]
    if helpful:
        _say(f"It can help with {', '.join(helpful)} (every proposal is still the coder's to accept).")
    else:
        _say("On these data it cannot be trusted with any code: no code reaches a tentative or reliable verdict.")
    for c in result.codes:
        if c.folds_without_model:
            _say(f"note: {c.code}: {plural(c.folds_without_model, 'fold')} had too little coding of it to learn "
                 "from and proposed nothing (counted as misses)")
    for code, why in result.skipped.items():
        _say(f"skipped {code}: {why}")
    return 0
