"""Inter-coder agreement: Krippendorff's alpha at segment units, unitizing alpha,
bootstrap intervals, percent agreement and disagreement clusters.

The flow is study -> coding data (:func:`gather`) -> breakdown per transcript and
code -> tables of rows. Nothing here reads or writes files or prints; the study
object does the reading and commands do the printing. See docs/agreement.md.

For one transcript (the compare view), :func:`transcript_agreement` and
:func:`code_alphas` take spans straight from memory.
"""

from tcoder.agreement.bootstrap import Interval, bootstrap
from tcoder.agreement.clusters import Cluster, disagreement_clusters
from tcoder.agreement.coincidence import (
    LEVELS,
    Reliability,
    binary_reliability,
    coincidences,
    difference_matrix,
    reliability,
)
from tcoder.agreement.compute import (
    UNITS,
    AgreementResult,
    PairTable,
    agreement,
    code_alphas,
    compute_table,
    transcript_agreement,
)
from tcoder.agreement.data import CodedSpan, CodingData, Exclusions, TranscriptCoding, gather
from tcoder.agreement.serialize import FORMAT_ID, result_dict
from tcoder.agreement.tables import Row, Table, verdict
from tcoder.agreement.unitizing import UnitizingResult, unitizing_alpha

__all__ = [
    "FORMAT_ID", "LEVELS", "UNITS", "AgreementResult", "Cluster", "CodedSpan", "CodingData", "Exclusions",
    "Interval", "PairTable", "Reliability", "Row", "Table", "TranscriptCoding", "UnitizingResult", "agreement",
    "binary_reliability", "bootstrap", "code_alphas", "coincidences", "compute_table", "difference_matrix",
    "disagreement_clusters", "gather", "reliability", "result_dict", "transcript_agreement", "unitizing_alpha",
    "verdict",
]
