"""The apprentice: an offline coder that learns from the team's own coding (docs/apprentice.md).

Per code, a small linear model over TF-IDF word and character n-grams is fitted on one
coder's coding (by default the consensus) at sentence or turn units; its proposals are
written as the coder ``apprentice`` through the annotation writer, never into a human's
file, and measured with the same agreement statistics as a human coder. Nothing here
opens a network connection or downloads anything: the model is fitted on the study alone.

scikit-learn is an optional dependency (``pip install 'tcoder[suggest]'``); it is
imported inside functions, so the rest of tcoder works without it.
"""

from __future__ import annotations

from tcoder.errors import Problem, TcoderError

#: The coder whose annotation files hold the apprentice's proposals.
APPRENTICE = "apprentice"
#: On a proposal in the apprentice's file: ``{"score": P, "model": ID, "training": HASH}``.
SUGGESTION_FIELD = "suggestion"
#: On an annotation a coder accepted from the apprentice, in the coder's own file:
#: ``{"model": ID, "training": HASH, "score": P, "accepted": TIME}``.
ACCEPTED_FIELD = "from_apprentice"
INSTALL_HINT = "pip install 'tcoder[suggest]'"


class ApprenticeError(TcoderError):
    """The apprentice cannot do what was asked; nothing was changed."""


def require_sklearn() -> None:
    """Refuse, naming the extra to install, when scikit-learn is missing."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ApprenticeError(Problem(f"the apprentice needs scikit-learn, which is not installed: "
                                      f"{INSTALL_HINT}")) from None


def check_allowed(study) -> None:
    """Refuse when the study's settings turn machine suggestions off (``apprentice: false``)."""
    if not study.settings.apprentice:
        raise ApprenticeError(Problem("this study turns machine suggestions off ('apprentice: false' in "
                                      "tcoder.yaml); the apprentice cannot be trained, run or shown",
                                      study.settings.path or study.root))
