"""What the study's files say about machine suggestions: the apprentice's proposals and the
passages coders accepted from them (for ``tcoder methods`` and the filters of agree and report)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tcoder.annotations import Annotation
from tcoder.apprentice import ACCEPTED_FIELD, APPRENTICE

#: What agreement, reports and export do with the apprentice (``--apprentice``): ``include`` its
#: coding and the passages accepted from it, ``exclude`` both (the apprentice's files, and the
#: accepted passages in coders' files), or (reports) ``only`` them.
APPRENTICE_CHOICES = ("include", "exclude", "only")


def accepted_from_apprentice(annotation: Annotation) -> bool:
    """Whether a coder accepted this passage from the apprentice's proposals."""
    return isinstance(annotation.extra.get(ACCEPTED_FIELD), dict)


def machine_made(annotation: Annotation, coder: str) -> bool:
    """A proposal (in the apprentice's file) or a passage accepted from one."""
    return coder == APPRENTICE or accepted_from_apprentice(annotation)


def counts_under(annotation: Annotation, coder: str, choice: str) -> bool:
    """Whether an annotation is counted under the ``--apprentice`` choice."""
    if choice == "include":
        return True
    made = machine_made(annotation, coder)
    return made if choice == "only" else not made


@dataclass
class MachineFacts:
    allowed: bool = True  # tcoder.yaml does not say apprentice: false
    proposals: int = 0  # annotations in the apprentice's files
    proposal_transcripts: list[str] = field(default_factory=list)
    models: set[str] = field(default_factory=set)  # model ids of proposals and accepted passages
    accepted: Counter = field(default_factory=Counter)  # coder -> passages accepted from the apprentice
    unreadable: int = 0  # files that could not be read (not counted)

    @property
    def used(self) -> bool:
        return bool(self.proposals or self.accepted)


def machine_facts(study) -> MachineFacts:
    from tcoder.errors import TcoderError

    facts = MachineFacts(allowed=study.settings.apprentice)
    for loaded in study.iter_loaded():
        if isinstance(loaded, TcoderError):
            facts.unreadable += 1
            continue
        for a in loaded.file.annotations:
            marker = a.extra.get("suggestion") if loaded.coder == APPRENTICE else a.extra.get(ACCEPTED_FIELD)
            if loaded.coder == APPRENTICE:
                facts.proposals += 1
            elif isinstance(marker, dict):
                facts.accepted[loaded.coder] += 1
            else:
                continue
            if isinstance(marker, dict) and isinstance(marker.get("model"), str):
                facts.models.add(marker["model"])
        if loaded.coder == APPRENTICE and loaded.file.annotations:
            facts.proposal_transcripts.append(loaded.ref.name)
    return facts


def machine_sentence(facts: MachineFacts) -> str:
    """The methods section's sentence on machine suggestions (always written: saying none were used
    is a statement a reviewer can rely on)."""
    from tcoder.numbers import plural, word_for

    if not facts.allowed and not facts.used:
        return ("Machine suggestions were turned off for this study (tcoder.yaml: apprentice: false): no passage "
                "was proposed or coded by software, and tcoder opens no network connection.")
    if not facts.used:
        return ("No machine suggestions were used: no passage was proposed by tcoder's apprentice coder or "
                "accepted from it.")
    text = ("tcoder's offline apprentice coder (a linear classifier per code, trained on this computer on the "
            "team's own coding; no transcript left it) ")
    if facts.proposals:
        text += (f"proposed {plural(facts.proposals, 'passage')} on "
                 f"{plural(len(facts.proposal_transcripts), 'transcript')}")
    else:
        text += "made proposals that are no longer in the study"
    models = sorted(facts.models)
    if models:
        text += f" ({word_for(len(models), 'model')} {', '.join(models)})"
    total = sum(facts.accepted.values())
    if total:
        who = ", ".join(f"{n} by {c}" for c, n in sorted(facts.accepted.items()))
        text += (f"; coders accepted {plural(total, 'passage')} from its proposals ({who}), each marked as such "
                 "in their annotation files")
    else:
        text += "; coders accepted none of them into their own coding"
    if not facts.allowed:
        text += ". The study now turns machine suggestions off (tcoder.yaml: apprentice: false)"
    return text + "."
