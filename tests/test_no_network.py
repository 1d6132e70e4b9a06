"""No tcoder command opens a network connection: the apprentice included, every command a
study's life goes through runs in-process here under an audit hook that records any socket
connection, name lookup or HTTP request (sys.addaudithook sees them whatever library makes them)."""

from __future__ import annotations

import sys

import pytest

from tcoder.cli import main

_NETWORK_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
                   "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect")
_seen: list[tuple[str, tuple]] = []
_watching = False


def _hook(event: str, args: tuple) -> None:
    if _watching and event in _NETWORK_EVENTS:
        _seen.append((event, tuple(repr(a) for a in args)))


sys.addaudithook(_hook)  # audit hooks cannot be removed: it records only while a test watches


@pytest.fixture
def watched():
    global _watching
    _seen.clear()
    _watching = True
    try:
        yield _seen
    finally:
        _watching = False


def test_the_hook_sees_a_connection(watched):
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        try:
            s.connect(("127.0.0.1", 9))  # refused or not: the attempt is what counts
        except OSError:
            pass
    assert any(event == "socket.connect" for event, _ in watched)


def test_no_command_opens_a_network_connection(watched, sample_study, tmp_path, capsys):
    pytest.importorskip("sklearn")
    study = str(sample_study)
    commands = [
        ["check", study],
        ["status", study],
        ["agree", study, "--unit", "sentence", "--bootstrap", "200"],
        ["report", study, "frequencies"],
        ["search", study, "dean"],
        ["methods", study, "-o", str(tmp_path / "methods.md")],
        ["export", study, "--qdpx", str(tmp_path / "study.qdpx")],
        ["suggest", "train", study],
        ["suggest", "evaluate", study, "--bootstrap", "50"],
        ["suggest", "run", study, "P01"],
        ["agree", study, "--coders", "consensus,apprentice", "--unit", "sentence"],
    ]
    for argv in commands:
        code = main(argv)
        assert code == 0, (argv, code, capsys.readouterr().err)
    capsys.readouterr()
    assert watched == [], watched
