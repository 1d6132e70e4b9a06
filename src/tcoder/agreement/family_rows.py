"""The 2016 unitizing family in ``tcoder agree --unit span``, beside the 1995/2004 alpha_u.

Per code: |u-alpha (ATLAS.ti's alpha-binary), the reliability of telling where the code
applies from where it does not; with one value it equals u-alpha. Per domain (a set of
mutually exclusive codes, ATLAS.ti's semantic domain): u-alpha, |u-alpha, c|u-alpha
(ATLAS.ti's cu-alpha: which value, given that both coders marked the place) at the
domain's level, and (k)u-alpha with its coverage for every value. Transcripts are
laid end to end (their sums add up). See :mod:`tcoder.agreement.unitizing2016`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tcoder.agreement.sweep import merge_overlapping
from tcoder.agreement.unitizing2016 import FamilySums, family, family_sums
from tcoder.numbers import plural

#: ATLAS.ti's names for the coefficients, so that users of both can compare.
ATLAS_NAMES = {"binary": "alpha-binary", "cu": "cu-alpha"}


def _number(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def code_family(lengths: np.ndarray, observers: np.ndarray, transcript: np.ndarray, coder: np.ndarray,
                code: np.ndarray, start: np.ndarray, end: np.ndarray, n_codes: int) -> np.ndarray:
    """Per (transcript, code) the family sums of the code against its gaps, (T, K, width);
    spans of one coder and code must already be merged."""
    n_t, n_c = observers.shape
    group = transcript * n_codes + code
    sums = family_sums(np.repeat(lengths, n_codes), np.repeat(observers, n_codes, axis=0), group, coder,
                       np.ones(len(start), dtype=np.int64), start, end, 1)
    flat = sums.flat()
    return flat.reshape(n_t, n_codes, flat.shape[1])


def binary_alpha(flat: np.ndarray) -> float | None:
    """|u-alpha of summed per-code sums (shape (width,))."""
    return _number(float(family(FamilySums.unflat(flat[None, :], 1)).binary[0]))


@dataclass
class DomainFamily:
    """The family for one domain, pooled over the compared transcripts."""

    domain: str
    level: str
    labels: list[str]
    u: float | None = None
    binary: float | None = None
    cu: float | None = None
    values: list[dict[str, Any]] = field(default_factory=list)
    conflicts: int = 0  # places where one coder gave two values of the domain
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "level": self.level, "u_alpha": self.u, "binary_u_alpha": self.binary,
                "cu_alpha": self.cu, "values": self.values, "conflicts": self.conflicts, "reason": self.reason}


def domain_family(domain: str, level: str, labels: list[str], values: list[float], lengths: np.ndarray,
                  observers: np.ndarray, transcript: np.ndarray, coder: np.ndarray, value: np.ndarray,
                  start: np.ndarray, end: np.ndarray) -> DomainFamily:
    """The family of one domain: ``value`` is each span's value index (0-based) among ``values``."""
    n_t, n_c = observers.shape
    n_v = len(values)
    out = DomainFamily(domain, level, labels)
    # the same value twice on overlapping text is one unit; two values on the same text is a conflict
    key = ((transcript * n_c + coder) * n_v + value).astype(np.int64)
    key, start, end, _ = merge_overlapping(key, start, end)
    value = key % n_v
    owner = key // n_v  # transcript * n_c + coder
    order = np.lexsort((start, owner))
    owner, start, end, value = owner[order], start[order], end[order], value[order]
    same_owner = np.zeros(len(start), dtype=bool)
    same_owner[1:] = owner[1:] == owner[:-1]
    clash = np.zeros(len(start), dtype=bool)
    if len(start) > 1:
        previous_end = np.zeros(len(start), dtype=np.int64)
        # the furthest end reached so far by the same coder in the same transcript
        stride = int(end.max()) + 1
        global_end = np.maximum.accumulate(owner * stride + end)
        previous_end[1:] = global_end[:-1] - owner[1:] * stride
        clash = same_owner & (start < previous_end)
    out.conflicts = int(clash.sum())
    if out.conflicts:
        out.reason = (f"a coder gave two values of this domain to the same text in {plural(out.conflicts, 'place')}; the "
                      "2016 family needs one value at each position (tcoder compare shows them)")
        return out
    fam = family_sums(lengths, observers, owner // n_c, owner % n_c, value + 1, start, end, n_v)
    flat = fam.flat().sum(axis=0)
    result = family(FamilySums.unflat(flat[None, :], n_v), level, values)
    out.u, out.binary, out.cu = (_number(float(x[0])) for x in (result.u, result.binary, result.cu))
    for i, label in enumerate(labels):
        out.values.append({"value": label, "k_u_alpha": _number(float(result.k[0][i])),
                           "coverage": _number(float(result.coverage[0][i]))})
    if out.cu is None and n_v < 2:
        out.reason = "c|u-alpha compares two or more values"
    return out
