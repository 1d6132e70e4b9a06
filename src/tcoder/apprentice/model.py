"""Fitting the apprentice's per-code models and scoring units with them.

Features: TF-IDF of word 1-2-grams and of character 3-5-grams within words (both with
sublinear term frequency, terms in at least two units, capped vocabularies). Per code:
L2-regularised logistic regression with balanced class weights, fitted by stochastic
gradient descent (scikit-learn's SGDClassifier, fixed seed, 20 passes on a small study, down to 6 on a
large one, two codes at a time: a study of 200 transcripts trains in seconds). Weights smaller than a fiftieth of
the code's largest are dropped and every number is kept to 4 significant digits, so the
saved model stays small; the pruned model is the one every prediction uses, in evaluation too.
A unit is proposed for a code when its score (the model's probability) is at least .5.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tcoder.apprentice.units import TranscriptUnits
from tcoder.numbers import plural

SEED = 1
THRESHOLD = 0.5
#: A code is learned only from at least this many coded units in at least this many transcripts.
MIN_UNITS = 8
MIN_TRANSCRIPTS = 2
WORD_FEATURES = 20_000
CHAR_FEATURES = 30_000
PRUNE = 0.02
ALPHA = 1e-4  # L2 regularisation of the logistic regression
MAX_EPOCHS = 20  # passes over the units, on a small study
MIN_EPOCHS = 6  # on a large one: about 300,000 unit visits in all, for time
JOBS = 2  # codes fitted at once
DIGITS = 4


@dataclass
class Vocabulary:
    """One TF-IDF vectorizer's fitted state: terms in column order and their idf."""

    analyzer: str
    ngrams: tuple[int, int]
    terms: list[str]
    idf: list[float]


@dataclass
class CodeModel:
    weights: dict[int, float]  # feature column -> weight (pruned)
    intercept: float
    units: int  # coded units it was fitted on
    transcripts: int  # transcripts they come from


@dataclass
class Model:
    """Everything needed to score units again; saved by tcoder.apprentice.modelfile."""

    coder: str
    unit: str
    training: str  # training data hash (tcoder.apprentice.units.training_hash)
    transcripts: list[tuple[str, str]]  # (name, text sha256) trained on
    vocabularies: list[Vocabulary]
    codes: dict[str, CodeModel]
    skipped: dict[str, str] = field(default_factory=dict)  # code -> why it was not learned
    units: int = 0
    versions: dict[str, str] = field(default_factory=dict)
    id: str = ""


def _words(texts: list[str]):
    """(sentence x distinct word counts, the distinct words): lower-cased runs of non-white space."""
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(lowercase=True, token_pattern=r"\S+", dtype=np.int64)
    counts = counter.fit_transform(texts)
    return counts, counter.get_feature_names_out().tolist()


def _char_counts(word_counts, words: list[str], vocabulary: dict[str, int] | None = None):
    """Character 3-5-gram counts of each text, as scikit-learn's ``char_wb`` analyzer counts them (each
    word padded with a space either side), computed once per distinct word and summed per text:
    the same counts at a fraction of the time on a large study. With ``vocabulary``, only those n-grams."""
    from sklearn.feature_extraction.text import CountVectorizer

    grams = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=False, vocabulary=vocabulary,
                            dtype=np.int64)
    per_word = grams.fit_transform(words) if vocabulary is None else grams.transform(words)
    names = grams.get_feature_names_out().tolist()
    return (word_counts @ per_word).tocsr(), names


def _select(counts, names: list[str], limit: int) -> tuple[list[int], list[str]]:
    """Columns of terms in at least two texts, the ``limit`` most frequent (ties by term), in term order."""
    df = np.bincount(counts.indices, minlength=counts.shape[1]) if counts.nnz else np.zeros(counts.shape[1], int)
    total = np.asarray(counts.sum(axis=0)).ravel()
    keep = np.flatnonzero(df >= 2)
    if len(keep) > limit:
        order = sorted(keep.tolist(), key=lambda k: (-total[k], names[k]))[:limit]
        keep = np.array(sorted(order, key=lambda k: names[k]), dtype=np.int64)
    return keep.tolist(), [names[k] for k in keep]


def _tfidf(counts, idf: np.ndarray):
    """Sublinear TF (1 + log tf) times idf, rows L2-normalised, as scikit-learn's TfidfTransformer
    (computed in place on one copy: on a large study the matrix is the largest thing in memory)."""
    from sklearn.preprocessing import normalize

    matrix = counts.astype(np.float64).tocsr()
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1.0
    matrix.data *= idf[matrix.indices]
    return normalize(matrix, norm="l2", copy=False)


def _idf(counts) -> np.ndarray:
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1]) if counts.nnz else np.zeros(counts.shape[1])
    return np.log((1 + n) / (1 + df)) + 1.0


def _word_grams(texts: list[str], vocabulary: dict[str, int] | None = None):
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(lowercase=True, ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
                              vocabulary=vocabulary, dtype=np.int64)
    counts = counter.fit_transform(texts) if vocabulary is None else counter.transform(texts)
    return counts.tocsr(), counter.get_feature_names_out().tolist()


def _round(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


def fit(examples: list[TranscriptUnits], codes: list[str], coder: str, unit: str, training: str) -> Model:
    """Fit one model per code that has enough coded units; the others are named in ``skipped``."""
    import numpy as np
    import sklearn
    from joblib import Parallel, delayed
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier

    from tcoder import __version__

    texts = [t for ex in examples for t in ex.texts]
    labels = [c for ex in examples for c in ex.codes]
    owner = np.array([i for i, ex in enumerate(examples) for _ in ex.texts], dtype=np.int64)
    model = Model(coder, unit, training, [(ex.name, ex.text_sha256) for ex in examples], [], {},
                  units=len(texts), versions={"tcoder": __version__, "scikit-learn": sklearn.__version__})
    if len(texts) < 2:
        model.skipped = {c: "no units to learn from" for c in codes}
        return model
    vocabularies = []
    try:
        word_counts, words = _words(texts)
    except ValueError:  # not one word in any unit
        model.skipped = {c: "the units hold no words to learn from" for c in codes}
        return model
    blocks = [("word", (1, 2), _word_grams(texts), WORD_FEATURES),
              ("char_wb", (3, 5), _char_counts(word_counts, words), CHAR_FEATURES)]
    matrices = []
    for analyzer, ngrams, (counts, names), limit in blocks:
        columns, terms = _select(counts, names, limit)
        if not terms:
            continue
        kept = counts[:, columns]
        idf = np.array([_round(float(v)) for v in _idf(kept)])
        vocabularies.append(Vocabulary(analyzer, ngrams, terms, idf.tolist()))
        matrices.append(_tfidf(kept, idf))  # what features() gives for these texts, without counting again
        del kept, counts
    del blocks, word_counts
    model.vocabularies = vocabularies
    if not vocabularies:
        model.skipped = {c: "no word or part of a word is in two units: nothing to learn from" for c in codes}
        return model
    from scipy.sparse import hstack

    matrix = hstack(matrices, format="csr")
    del matrices
    targets = []
    for code in codes:
        y = np.array([code in c for c in labels], dtype=np.int8)
        positives = int(y.sum())
        spread = len(set(owner[y == 1].tolist()))
        if positives < MIN_UNITS or spread < MIN_TRANSCRIPTS:
            model.skipped[code] = (f"coded on {plural(positives, unit)} in {plural(spread, 'transcript')}; at "
                                   f"least {MIN_UNITS} {unit}s in at least {MIN_TRANSCRIPTS} transcripts are needed")
        elif positives == len(y):
            model.skipped[code] = f"coded on every {unit}: nothing to tell apart"
        else:
            targets.append((code, y, positives, spread))

    epochs = max(MIN_EPOCHS, min(MAX_EPOCHS, 300_000 // max(1, len(texts))))

    def one(y: np.ndarray) -> tuple[np.ndarray, float]:
        clf = SGDClassifier(loss="log_loss", alpha=ALPHA, class_weight="balanced", max_iter=epochs, tol=1e-3,
                            random_state=SEED)
        clf.fit(matrix, y)
        return clf.coef_[0], float(clf.intercept_[0])

    # One code per thread, two at a time (the fitting runs without the interpreter lock); each code's fit
    # has its own fixed seed, so the model does not depend on the order they finish in.
    with warnings.catch_warnings():  # the passes are capped on purpose (time); the fit is measured instead
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = Parallel(n_jobs=JOBS, prefer="threads")(delayed(one)(y) for _, y, _, _ in targets)
    for (code, _, positives, spread), (coef, intercept) in zip(targets, fitted, strict=True):
        top = float(np.abs(coef).max()) if len(coef) else 0.0
        keep = np.flatnonzero(np.abs(coef) >= top * PRUNE) if top else np.zeros(0, dtype=np.int64)
        model.codes[code] = CodeModel({int(k): _round(float(coef[k])) for k in keep}, _round(intercept),
                                      positives, spread)
    return model


def features(model: Model, texts: list[str]):
    """The TF-IDF matrix of ``texts`` under the model's saved vocabularies (rows L2-normalised per
    vocabulary), one block of columns per vocabulary."""
    from scipy.sparse import csr_matrix, hstack

    blocks = []
    word_counts: Any = None
    words: list[str] = []
    for vocab in model.vocabularies:
        lookup = {t: i for i, t in enumerate(vocab.terms)}
        if vocab.analyzer == "word":
            counts, _ = _word_grams(texts, lookup)
        else:
            if word_counts is None:
                word_counts, words = _words(texts)
            counts, _ = _char_counts(word_counts, words, lookup)
        blocks.append(_tfidf(counts, np.asarray(vocab.idf, dtype=np.float64)))
    if not blocks:
        return csr_matrix((len(texts), 0))
    return hstack(blocks, format="csr")


def scores(model: Model, texts: list[str]) -> dict[str, list[float]]:
    """Per learned code, each text's probability of carrying it."""
    import numpy as np

    if not texts or not model.codes:
        return {code: [] for code in model.codes}
    matrix = features(model, texts)
    out = {}
    for code, cm in model.codes.items():
        w = np.zeros(matrix.shape[1])
        if cm.weights:
            w[list(cm.weights)] = list(cm.weights.values())
        z = matrix @ w + cm.intercept
        out[code] = [1.0 / (1.0 + math.exp(-v)) if v > -700 else 0.0 for v in z.tolist()]
    return out
