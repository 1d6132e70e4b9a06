"""Re-anchoring annotations when the transcript text changed after coding."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tcoder.anchoring import LONG_QUOTE
from tcoder.annotations import CONTEXT_CHARS, Annotation, reanchor

TEXT = ("Interviewer: What got you involved?\n\n"
        "Amara: Honestly, it was my grandmother. I saw how she was treated at the clinic. "
        "That stayed with me.\n\nInterviewer: Yes.\n\nAmara: Yes. We pushed to change the renal block.\n")


def _annotate(text: str, quote: str, occurrence: int = 0, code: str = "c") -> Annotation:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    a = Annotation(f"id{start}", code, start, start + len(quote))
    a.set_context(text)
    return a


def test_unchanged_text_keeps_offsets():
    a = _annotate(TEXT, "I saw how she was treated")
    (r,) = reanchor([a], TEXT)
    assert r.status == "unchanged" and (a.start, a.end) == (r.old_start, r.old_end)


def test_insertion_before_moves_the_span():
    a = _annotate(TEXT, "I saw how she was treated")
    edited = "[Recording starts]\n" + TEXT
    (r,) = reanchor([a], edited)
    assert r.status == "moved"
    assert edited[a.start:a.end] == "I saw how she was treated"
    assert a.start == r.old_start + len("[Recording starts]\n")


def test_repeated_quote_is_placed_by_its_context():
    second_yes = _annotate(TEXT, "Yes", occurrence=1)  # Amara's "Yes.", not the interviewer's
    edited = TEXT.replace("Interviewer: What got you involved?", "Interviewer: So, what got you involved in this?")
    reanchor([second_yes], edited)
    assert edited[second_yes.start - 7:second_yes.end] == "Amara: Yes"


def test_typo_fixed_inside_the_quote_is_found_by_fuzzy_match():
    a = _annotate(TEXT, "I saw how she was treated at the clinic")
    edited = TEXT.replace("treated at the clinic", "treated at the clinc").replace("Honestly", "Well, honestly")
    (r,) = reanchor([a], edited)
    assert r.status == "fuzzy" and 0.8 <= r.similarity < 1
    assert edited[a.start:a.end] == "I saw how she was treated at the clinc"
    assert a.quote == edited[a.start:a.end]  # the stored quote follows the text


def test_deleted_passage_is_orphaned_and_kept():
    a = _annotate(TEXT, "We pushed to change the renal block.")
    edited = TEXT.replace("We pushed to change the renal block.", "")
    (r,) = reanchor([a], edited)
    assert r.status == "orphaned" and a.orphaned
    assert (a.start, a.end) == (r.old_start, r.old_end)  # old offsets kept
    assert a.quote == "We pushed to change the renal block."  # and the quote


def test_orphan_comes_back_when_the_passage_returns():
    a = _annotate(TEXT, "We pushed to change the renal block.")
    reanchor([a], TEXT.replace("We pushed to change the renal block.", ""))
    (r,) = reanchor([a], TEXT)
    assert r.status == "moved" and not a.orphaned


def test_annotation_without_quote_is_orphaned_with_the_reason_after_an_edit():
    """Without a quote or context nothing shows the offsets still point at the same
    words: they are kept, flagged and explained, never silently trusted."""
    inside = Annotation("a", "c", 0, 5)
    beyond = Annotation("b", "c", 0, 10_000)
    results = reanchor([inside, beyond], TEXT)
    assert [r.status for r in results] == ["orphaned", "orphaned"]
    assert inside.orphaned and beyond.orphaned and (inside.start, inside.end) == (0, 5)
    assert "no stored quote" in results[0].reason and "beyond the end" in results[1].reason


def test_annotation_without_quote_is_kept_where_its_stored_context_still_surrounds_it():
    start = TEXT.index("I saw how")
    end = start + len("I saw how she was treated")
    kept = Annotation("k", "c", start, end, prefix=TEXT[start - 32:start], suffix=TEXT[end:end + 32])
    edited = TEXT.replace("Yes. We pushed", "Yes, we pushed")  # after the passage: offsets still hold
    (r,) = reanchor([kept], edited)
    assert r.status == "unchanged" and not kept.orphaned
    assert kept.quote == "I saw how she was treated"  # verified, so its quote is stored from now on
    shifted = Annotation("s", "c", start, end, prefix=TEXT[start - 32:start], suffix=TEXT[end:end + 32])
    (r,) = reanchor([shifted], "Note. " + TEXT)  # the text before changed: the offsets now point elsewhere
    assert r.status == "orphaned" and shifted.orphaned and "text around its offsets changed" in r.reason


def test_short_quotes_are_never_placed_fuzzily():
    a = _annotate(TEXT, "renal")
    (r,) = reanchor([a], TEXT.replace("renal", "renl"))
    assert r.status == "orphaned"


_WORDS = ["we", "the", "clinic", "grandmother", "curriculum", "yes", "I", "saw", "dean", "block", "and", "so",
          "Interviewer:", "Amara:", "\n", "renal", "meeting", "free", "outreach", "mentor"]


@st.composite
def edited_transcripts(draw):
    rng = random.Random(draw(st.integers(0, 2**32)))
    words = [rng.choice(_WORDS) for _ in range(draw(st.integers(30, 200)))]
    text = " ".join(words)
    # annotate a few word-aligned passages
    annotations = []
    for i in range(draw(st.integers(1, 6))):
        first = draw(st.integers(0, len(words) - 1))
        last = draw(st.integers(first, min(len(words) - 1, first + 8)))
        start = len(" ".join(words[:first])) + (1 if first else 0)
        end = len(" ".join(words[:last + 1]))
        a = Annotation(f"a{i}", "code", start, end)
        a.set_context(text)
        annotations.append(a)
    # random insertions and deletions anywhere
    edits = []
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            edits.append((pos, pos, " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6)))))
        else:
            edits.append((pos, min(len(text), pos + draw(st.integers(1, 30))), ""))
    return text, annotations, edits


def _apply(text, annotations, edits):
    """Apply non-overlapping edits right to left; return the new text and where each
    untouched annotation's passage now is. ``near`` (an attribute of the function, set on
    each call) holds the ids of annotations whose stored context an edit touched."""
    edits = sorted(edits, key=lambda e: e[0], reverse=True)
    kept = []
    spans = {a.id: (a.start, a.end) for a in annotations}
    _apply.near = {a.id for a in annotations for start, end, _ in edits
                   if start <= a.end + CONTEXT_CHARS and end >= a.start - CONTEXT_CHARS}
    last_start = len(text) + 1
    for start, end, insert in edits:
        if end > last_start:
            continue  # overlaps an edit already applied
        text = text[:start] + insert + text[end:]
        last_start = start
        kept.append((start, end, insert))
        shift = len(insert) - (end - start)
        for aid, (s, e) in list(spans.items()):
            if s is None:
                continue
            if end <= s and not (start == end == s):  # wholly before the passage
                spans[aid] = (s + shift, e + shift)
            elif start >= e and not (start == end == e):  # wholly after it
                continue
            else:
                spans[aid] = (None, None)  # the passage itself was touched
    return text, spans


# Found by hypothesis: 44 characters with white space but 36 without (not a long quote), edited
# on both sides within its stored context: orphaned, as the rule for quotes that are not long says.
_BOTH_SIDES_EDITED = (
    'Interviewer: Interviewer: I mentor yes saw saw curriculum clinic dean Interviewer: meeting free clinic mentor renal I Amara: mentor outreach I so Interviewer: I curriculum \n yes outreach and clinic meeting clinic renal and Interviewer: the dean free we Amara: I so free clinic \n meeting I mentor \n the so curriculum I yes \n mentor yes meeting yes the grandmother we yes renal Amara: clinic Amara: clinic curriculum block mentor we Interviewer: and curriculum meeting Interviewer: I the I \n dean free Interviewer: curriculum so renal the curriculum mentor curriculum mentor Amara: grandmother grandmother grandmother curriculum block yes',
    [Annotation(id="a0", code="code", start=298, end=342, quote="the so curriculum I yes \n mentor yes meeting",
                prefix="ree clinic \n meeting I mentor \n ", suffix=" yes the grandmother we yes rena")],
    [(0, 1, ""), (0, 1, ""), (286, 286, "Amara: curriculum"), (343, 343, "free and")],
)


def _occurrences(text: str, quote: str) -> int:
    """How often ``quote`` occurs, overlapping occurrences counted ("\\n \\n" is twice in "\\n \\n \\n",
    which ``str.count`` counts once)."""
    found, at = 0, text.find(quote)
    while at >= 0:
        found += 1
        at = text.find(quote, at + 1)
    return found


@settings(max_examples=300, deadline=None)
@given(case=edited_transcripts())
@example(case=_BOTH_SIDES_EDITED)
def test_untouched_passages_re_anchor_to_exactly_their_text(case):
    """After random insertions and deletions elsewhere, every annotation whose own
    text was untouched is found again, on exactly that text; where its passage is
    unique in the new text it is found at the right place. Only an annotation whose
    stored context an edit changed may be left orphaned instead (its words recur and
    nothing else says which occurrence is its own)."""
    text, annotations, edits = case
    quotes = {a.id: a.quote for a in annotations}
    new_text, expected = _apply(text, annotations, edits)
    near = _apply.near
    results = {r.annotation.id: r for r in reanchor(annotations, new_text)}
    for a in annotations:
        s, e = expected[a.id]
        if s is None:
            continue
        if results[a.id].status == "orphaned" and a.id in near and len("".join(a.quote.split())) < LONG_QUOTE:
            # a quote shorter than LONG_QUOTE without its white space, whose context an edit changed
            continue
        assert results[a.id].status in ("unchanged", "moved")
        assert new_text[a.start:a.end] == quotes[a.id]
        if _occurrences(new_text, quotes[a.id]) == 1:
            assert (a.start, a.end) == (s, e)
