"""The 2016 family of unitizing alphas: u-alpha, |u-alpha, c|u-alpha and (k)u-alpha.

Krippendorff, K., Mathet, Y., Bouvry, S., & Widlöcher, A. (2016). On the reliability of
unitizing textual continua: further developments. Quality & Quantity, 50, 2347-2364;
Krippendorff, K. (2019). Content analysis (4th ed.), section 12.6 (eqs. 32-38).

Each coder partitions a continuum of length L into segments: units, each with a value
c (here a code, or a value of a domain), and the gaps between them (value 0, "phi").
For m coders:

- observed coincidences (eq. 32): l_ck = 1/(m - 1) * sum over ordered pairs of coders
  (i, j) of the lengths of the intersections of i's segments of value c with j's of
  value k; l_.. = m L;
- expected coincidences (eq. 33): e_ck = l_.. (l_c. l_.k - [c = k] S_c) / (l_..^2 - S),
  where S_c sums, over every coder's segments of value c, the squared length of a unit
  (a segment is one unit) or the plain length of a gap (a gap is no unit: each of its
  positions stands alone), and S is their total;
- u-alpha (eq. 34) = 1 - (l_.. - sum_c l_cc) / (l_.. - sum_c e_cc): boundaries and
  values at once, gaps included;
- |u-alpha (eq. 35): the same with every value merged into one ("relevant matter"
  against the gaps): the reliability of telling what is coded from what is not;
  ATLAS.ti calls it alpha-binary;
- c|u-alpha (eqs. 36-37): coding given unitizing, from the coincidences among values
  only (l* = l without the gap row and column). A unit's part in l* is its "pairable
  length", the mean over the other coders of how much of it lies in their units; the
  expected coincidences correct by the squares of those: e*_ck = l*_.. (l*_c. l*_.k -
  [c = k] P_c) / (l*_..^2 - P). With the domain's metric delta:
  c|u-alpha = 1 - sum(delta l*) / sum(delta e*). ATLAS.ti calls it cu-alpha for the
  codes of one semantic domain, and Cu-alpha when the values are the domains;
- (k)u-alpha (eq. 38): the reliability of one value k among the valued units:
  1 - (e*_.k / l*_.k) sum_c delta_ck l*_ck / sum_c delta_ck e*_ck, with its coverage
  l*_.k / l_.k, the share of k-valued matter that met another coder's units.

Several transcripts are one continuum laid end to end: their coincidences and
corrections add up (as ATLAS.ti adds up documents). The worked example of Krippendorff
(2019, Figure 12.11: three coders on a continuum of 60) gives u-alpha = .510 and
c|u-alpha = .724 here, as printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from tcoder.agreement.coincidence import difference_matrix
from tcoder.agreement.sweep import overlap_pairs


@dataclass(frozen=True)
class FamilySums:
    """What the family is made of, per group (a continuum: a transcript, or a transcript and a code).

    ``ell`` (G, V+1, V+1): observed coincidences, index 0 the gaps; ``corr`` (G, V+1): the
    self-pairing corrections S_c; ``pcorr`` (G, V): the squared pairable lengths P_c."""

    ell: np.ndarray
    corr: np.ndarray
    pcorr: np.ndarray

    def flat(self) -> np.ndarray:
        """(G, width): the three side by side, for adding up and resampling."""
        g, w, _ = self.ell.shape
        return np.hstack([self.ell.reshape(g, w * w), self.corr, self.pcorr])

    @staticmethod
    def unflat(flat: np.ndarray, n_values: int) -> FamilySums:
        w = n_values + 1
        ell = flat[:, :w * w].reshape(-1, w, w)
        return FamilySums(ell, flat[:, w * w:w * w + w], flat[:, w * w + w:])


def family_sums(lengths: np.ndarray, observers: np.ndarray, group: np.ndarray, coder: np.ndarray,
                value: np.ndarray, start: np.ndarray, end: np.ndarray, n_values: int) -> FamilySums:
    """The sums of every group. ``lengths[g]`` is group g's continuum, ``observers[g, c]`` whether
    coder c takes part in it; segments are parallel arrays with ``value`` in 1..n_values. One coder's
    segments in a group must not overlap (touching is fine: two units)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    observers = np.asarray(observers, dtype=bool)
    groups, coders = observers.shape
    group, coder, value = (np.asarray(a, dtype=np.int64) for a in (group, coder, value))
    start, end = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
    keep = observers[group, coder] if len(group) else np.zeros(0, dtype=bool)
    group, coder, value, start, end = group[keep], coder[keep], value[keep], start[keep], end[keep]
    w = n_values + 1
    m = observers.sum(axis=1).astype(np.float64)
    ell = np.zeros(groups * w * w)
    pairable = np.zeros(len(start))  # sum over other coders of each segment's overlap with their units
    stride = int(lengths.max(initial=0)) + 1
    length = (end - start).astype(np.float64)
    by_coder = []
    for c in range(coders):
        mine = np.flatnonzero(coder == c)
        mine = mine[np.lexsort((start[mine], group[mine]))]
        by_coder.append(mine)
    covered = np.zeros((groups, coders))
    for c in range(coders):
        np.add.at(covered[:, c], group[by_coder[c]], length[by_coder[c]])
    for a in range(coders):
        for b in range(a + 1, coders):
            both = observers[:, a] & observers[:, b]
            ia_all = by_coder[a][both[group[by_coder[a]]]]
            ib_all = by_coder[b][both[group[by_coder[b]]]]
            ga, gb = group[ia_all], group[ib_all]
            i, j, _ = overlap_pairs(ga * stride + start[ia_all], ga * stride + end[ia_all],
                                    gb * stride + start[ib_all], gb * stride + end[ib_all])
            sa, sb = ia_all[i], ib_all[j]
            overlap = (np.minimum(end[sa], end[sb]) - np.maximum(start[sa], start[sb])).astype(np.float64)
            g = group[sa]
            # valued with valued, both directions of the ordered pairs
            np.add.at(ell, (g * w + value[sa]) * w + value[sb], overlap)
            np.add.at(ell, (g * w + value[sb]) * w + value[sa], overlap)
            total_a = np.bincount(i, weights=overlap, minlength=len(ia_all))
            total_b = np.bincount(j, weights=overlap, minlength=len(ib_all))
            pairable[ia_all] += total_a
            pairable[ib_all] += total_b
            # a unit against the other coder's gaps, both directions
            for segs, totals in ((ia_all, total_a), (ib_all, total_b)):
                alone = length[segs] - totals
                np.add.at(ell, (group[segs] * w + value[segs]) * w, alone)
                np.add.at(ell, group[segs] * w * w + value[segs], alone)
            # gap against gap
            inter = np.bincount(g, weights=overlap, minlength=groups)
            gaps = np.where(both, lengths - (covered[:, a] + covered[:, b] - inter), 0.0)
            ell[np.arange(groups) * w * w] += 2 * gaps
    ell = ell.reshape(groups, w, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(m >= 2, 1.0 / (m - 1.0), 0.0)
    ell *= scale[:, None, None]
    corr = np.zeros((groups, w))
    np.add.at(corr, (group, value), length ** 2)
    corr[:, 0] = np.where(m >= 2, (observers * (lengths[:, None] - covered)).sum(axis=1), 0.0)
    corr[m < 2] = 0.0
    pcorr = np.zeros((groups, w))
    np.add.at(pcorr, (group, value), (pairable * scale[group]) ** 2)
    return FamilySums(ell, corr, pcorr[:, 1:])


@dataclass(frozen=True)
class Family:
    """The coefficients of summed family sums (arrays over a batch; NaN where undefined)."""

    u: np.ndarray  # u-alpha
    binary: np.ndarray  # |u-alpha
    cu: np.ndarray  # c|u-alpha
    k: np.ndarray  # (B, V) (k)u-alpha
    coverage: np.ndarray  # (B, V) share of each value's matter that met another coder's units
    coded_share: np.ndarray  # (B,) share of the continuum's matter in valued intersections (c|u covers this)


def family(sums: FamilySums, level: str = "nominal", values: Sequence[float] | None = None) -> Family:
    """u-alpha, |u-alpha, c|u-alpha and (k)u-alpha of each row of ``sums`` (a batch of groups'
    sums, already added up where they pool)."""
    ell, corr, pcorr = sums.ell, sums.corr, sums.pcorr
    n_values = ell.shape[1] - 1
    values = list(range(1, n_values + 1)) if values is None else list(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = ell.sum(axis=(1, 2))
        margins = ell.sum(axis=2)
        denominator = n ** 2 - corr.sum(axis=1)
        eps = n[:, None, None] * (margins[:, :, None] * margins[:, None, :]
                                  - np.eye(n_values + 1)[None] * corr[:, :, None]) / denominator[:, None, None]
        observed_off = n - np.trace(ell, axis1=1, axis2=2)
        expected_off = n - np.trace(eps, axis1=1, axis2=2)
        # with nothing but gaps, expected_off is zero up to rounding: undefined
        u = np.where(expected_off > 1e-9 * np.maximum(n, 1.0), 1.0 - observed_off / expected_off, np.nan)
        gap_vs_units_o = ell[:, 0, 1:].sum(axis=1)
        gap_vs_units_e = eps[:, 0, 1:].sum(axis=1)
        binary = np.where(gap_vs_units_e > 0, 1.0 - gap_vs_units_o / gap_vs_units_e, np.nan)
        star = ell[:, 1:, 1:]
        n_star = star.sum(axis=(1, 2))
        m_star = star.sum(axis=2)
        eps_star = n_star[:, None, None] * (m_star[:, :, None] * m_star[:, None, :]
                                            - np.eye(n_values)[None] * pcorr[:, :, None]) \
            / (n_star ** 2 - pcorr.sum(axis=1))[:, None, None]
        if level == "ordinal":
            delta = np.stack([difference_matrix("ordinal", values, mk) for mk in m_star])
        else:
            delta = np.broadcast_to(difference_matrix(level, values, np.ones(n_values)),  # type: ignore[arg-type]
                                    star.shape)
        d_o = (delta * star).sum(axis=(1, 2))
        d_e = (delta * eps_star).sum(axis=(1, 2))
        cu = np.where((d_e > 0) & (n_values >= 2), 1.0 - d_o / d_e, np.nan)
        l_k = star.sum(axis=1)  # l*_.k
        e_k = eps_star.sum(axis=1)
        o_k = (delta * star).sum(axis=1)
        x_k = (delta * eps_star).sum(axis=1)
        k = np.where((l_k > 0) & (x_k > 0), 1.0 - (e_k * o_k) / (l_k * x_k), np.nan)
        k = np.where((l_k > 0) & (x_k == 0) & (o_k == 0), np.nan, k)
        column = ell.sum(axis=1)[:, 1:]
        coverage = np.where(column > 0, l_k / column, np.nan)
        coded_share = np.where(n > 0, n_star / n, np.nan)
    return Family(u, binary, cu, k, coverage, coded_share)
