"""Word, sentence and turn jumps, without a terminal."""

from __future__ import annotations

from tcoder.transcript import Transcript
from tcoder.tui.navigation import Navigator
from tuikit import TUI_TRANSCRIPT as T


def nav() -> Navigator:
    return Navigator(Transcript(T))


def test_words():
    n = nav()
    assert n.word_right(0) == len("Interviewer:")
    assert n.word_right(len("Interviewer:")) == len("Interviewer: Thanks")
    assert n.word_left(len("Interviewer: Thanks")) == len("Interviewer: ")
    assert n.word_left(0) == 0 and n.word_right(len(T)) == len(T)


def test_sentences_stay_inside_turns_and_skip_labels():
    n = nav()
    assert n.sentence_at(0) == (13, T.index(" What"))  # the label is not part of a sentence
    honestly = T.index("Honestly")
    assert n.sentence_at(honestly + 2) == (honestly, T.index(" I saw"))
    assert n.next_sentence(honestly) == T.index("I saw")
    assert n.previous_sentence(T.index("I saw")) == honestly
    assert n.previous_sentence(honestly) == T.index("What got")
    dr = T.index("Dr. Khan")
    assert n.sentence_at(dr + 1) == (dr, T.index(" helped us") + len(" helped us."))  # "Dr." is not an end
    assert n.next_sentence(len(T) - 2) == len(T)


def test_turns():
    n = nav()
    bodies = [T.index(s) for s in ("Thanks", "Honestly", "And what", "We pushed", "Were there", "The dean",
                                   "I joined")]
    assert n.next_turn(0) == bodies[0]
    assert [n.next_turn(b) for b in bodies[:-1]] == bodies[1:]
    assert n.next_turn(bodies[-1]) == len(T)
    assert n.previous_turn(bodies[3] + 5) == bodies[3]
    assert n.previous_turn(bodies[3]) == bodies[2]
    turn = n.turn_at(bodies[1] + 3)
    assert turn.speaker == "Amara" and n.turn_body(turn) == (bodies[1], T.index("\n\nInterviewer: And"))


def test_sentence_after_grows_a_selection():
    n = nav()
    first = n.sentence_at(T.index("Honestly"))
    second = n.sentence_after(first)
    assert second == (T.index("I saw"), T.index(" That stayed"))
