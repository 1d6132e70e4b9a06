"""The cluster bootstrap: resampling whole transcripts, or speaker turns, with replacement.

Units of text are not independent: a coder marks passages, not characters or
sentences, and a hard interview is hard for every code and every coder. Resampling
units (or pairs of values, as the KALPHA bootstrap does) treats them as
independent and gives intervals that are too narrow. The cluster bootstrap draws
whole clusters instead (Davison & Hinkley 1997, section 3.8; Field & Welsh 2007):
each sample draws C clusters with replacement from the C clusters of the data,
adds up their coincidences (or, for unitizing, their observed and expected
disagreements) and computes alpha from the sums, expected disagreement included.
The 95% interval is read from the sorted sample alphas as in KALPHA (the
floor(.025 X)-th and (floor(.975 X) + 1)-th of X), and q is the share of samples
below a minimum. A sample in which alpha is undefined (the code happens to be
absent from every drawn cluster) is left out and counted.

Every row of a table is computed from the same samples of clusters, drawn from a
stream seeded by the seed and the table's scope, so a row's interval does not
depend on which other tables were asked for.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

from tcoder.agreement.bootstrap import THRESHOLDS, Interval
from tcoder.agreement.coincidence import difference_matrix

PartKind = Literal["binary", "matrix", "ratio"]
CHUNK = 128  # bootstrap samples computed at once (memory: CHUNK x clusters)


@dataclass
class Parts:
    """What one row's alpha is made of, per cluster of its table.

    ``binary``: (C, 3) coincidences o00, o01, o11 of a code; ``matrix``: (C, V, V)
    coincidences of a domain at ``level`` with ``values``; ``ratio``: (C, 2) observed
    and expected disagreement sums (unitizing). ``used`` marks the clusters where
    some coder used the code."""

    kind: PartKind
    values: np.ndarray
    used: np.ndarray
    level: str = "nominal"
    scale: Sequence[float] = field(default_factory=list)

    def summed(self, groups: np.ndarray, n_groups: int) -> Parts:
        """The parts added up by group (clusters to transcripts)."""
        flat = self.values.reshape(len(self.values), -1)
        out = np.zeros((n_groups, flat.shape[1]))
        np.add.at(out, groups, flat)
        used = np.zeros(n_groups, dtype=bool)
        np.logical_or.at(used, groups, self.used)
        return Parts(self.kind, out.reshape((n_groups, *self.values.shape[1:])), used, self.level, self.scale)


def alphas_of(kind: PartKind, sums: np.ndarray, level: str = "nominal", scale: Sequence[float] = ()) -> np.ndarray:
    """Alpha of each row of summed parts; NaN where it is undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            observed, expected = sums[:, 0], sums[:, 1]
            return np.where(expected > 0, 1.0 - observed / np.where(expected > 0, expected, 1.0), np.nan)
        if kind == "binary":
            o00, o01, o11 = sums[:, 0], sums[:, 1], sums[:, 2]
            n0, n1 = o00 + o01, o11 + o01
            n = n0 + n1
            defined = (n0 * n1 > 0) & (n > 1)
            return np.where(defined, 1.0 - (n - 1.0) * o01 / np.where(defined, n0 * n1, 1.0), np.nan)
        o = sums
        n_v = o.sum(axis=1)  # (B, V)
        n = n_v.sum(axis=1)
        if level == "ordinal":
            delta = np.stack([difference_matrix("ordinal", scale, marginal) for marginal in n_v])
        else:
            delta = np.broadcast_to(difference_matrix(level, scale, n_v[0]), o.shape)  # type: ignore[arg-type]
        observed = (o * delta).sum(axis=(1, 2))
        expected_matrix = (n_v[:, :, None] * n_v[:, None, :]
                           - np.eye(o.shape[1])[None] * n_v[:, :, None])
        expected = (expected_matrix * delta).sum(axis=(1, 2)) / np.where(n > 1, n - 1.0, 1.0)
        defined = (expected > 0) & (n > 1)
        return np.where(defined, 1.0 - observed / np.where(defined, expected, 1.0), np.nan)


def resample(parts: list[Parts], samples: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The bootstrap alphas of each row (NaN where undefined), from ``samples`` draws of clusters."""
    if not parts:
        return []
    n_clusters = len(parts[0].values)
    flats = [p.values.reshape(n_clusters, -1).astype(np.float64) for p in parts]
    widths = [f.shape[1] for f in flats]
    stacked = np.hstack(flats)
    bounds = np.concatenate([[0], np.cumsum(widths)])
    out = [np.empty(samples) for _ in parts]
    probabilities = np.full(n_clusters, 1.0 / n_clusters)
    for first in range(0, samples, CHUNK):
        size = min(CHUNK, samples - first)
        weights = rng.multinomial(n_clusters, probabilities, size=size).astype(np.float64)
        sums = weights @ stacked
        for i, part in enumerate(parts):
            block = sums[:, bounds[i]:bounds[i + 1]].reshape((size, *part.values.shape[1:]))
            out[i][first:first + size] = alphas_of(part.kind, block, part.level, part.scale)
    return out


def interval_of(alphas: np.ndarray, samples: int, method: str, clusters: int, clusters_used: int,
                warnings: Sequence[str] = ()) -> Interval | None:
    """The percentile interval and q of bootstrap alphas; None when no sample defines alpha."""
    defined = np.sort(alphas[~np.isnan(alphas)])
    x = len(defined)
    if x == 0:
        return None
    low_index = max(math.floor(0.025 * x), 1) - 1
    high_index = min(math.floor(0.975 * x) + 1, x) - 1
    notes = list(warnings)
    undefined = samples - x
    if undefined > 0.05 * samples:
        notes.append(f"alpha was undefined in {undefined / samples:.0%} of the resamples (the code was absent from "
                     "every drawn cluster); the interval comes from the others")
    return Interval(float(defined[low_index]), float(defined[high_index]),
                    float(np.mean(defined < THRESHOLDS[0])), float(np.mean(defined < THRESHOLDS[1])),
                    samples, 0, method, clusters, clusters_used, undefined, tuple(notes))


def stream(seed: int | None, scope: str) -> np.random.Generator:
    """The random stream of one table: the seed and the table's scope (study, a transcript, a pair)."""
    return np.random.default_rng(None if seed is None else [seed, zlib.crc32(scope.encode())])
