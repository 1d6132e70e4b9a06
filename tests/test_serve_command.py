"""`tcoder serve`: its warning, its default address, the page's addresses through a tunnel, bad usage."""

from __future__ import annotations

import argparse
import shlex
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tcoder.commands.serve import command_line, is_loopback, warning


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_warning_says_no_authentication_and_shows_the_tunnel():
    text = warning("127.0.0.1", 8123)
    assert "no authentication" in text
    assert "ssh -L 8123:127.0.0.1:8123" in text and "http://localhost:8123" in text
    wide = warning("0.0.0.0", 8000)
    assert "beyond this machine" in wide and "network you trust" in wide and "ssh -L 8000:127.0.0.1:8000" in wide


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_each_tab_runs_tcoder_code_with_the_options_quoted(tmp_path):
    study = tmp_path / "my study"
    args = argparse.Namespace(study=str(study), transcript="P01", coder="alice", partners="bob")
    argv = shlex.split(command_line(args))
    assert argv == [sys.executable, "-m", "tcoder", "code", str(study), "P01", "--coder", "alice",
                    "--with", "bob"]


@pytest.mark.parametrize("args, message", [
    (["--port", "0"], "between 1 and 65535"),
    (["--coder", "Alice Smith"], "--coder"),
    (["--with", "bob,B B"], "--with"),
])
def test_bad_usage_exits_2(run_cli, tui_study_root, args, message):
    code, _, err = run_cli("serve", tui_study_root, *args)
    assert code == 2 and message in err


def test_study_problems_are_reported_before_serving(run_cli, tmp_path, tui_study_root):
    code, _, err = run_cli("serve", tmp_path / "nowhere")
    assert code == 1 and "no such folder" in err
    code, _, err = run_cli("serve", tui_study_root, "P99")
    assert code == 1 and "no transcript 'P99'" in err


@pytest.fixture
def tui_study_root(study_builder):
    from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT

    study_builder.codebook(MINI_CODEBOOK)
    study_builder.transcript("interviews/P01.txt", MINI_TRANSCRIPT)
    return study_builder.root


def test_listens_on_127_0_0_1_by_default_and_pages_follow_the_tunnel(tui_study_root):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tcoder", "serve", str(tui_study_root), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "tcoder serve did not start"
                time.sleep(0.05)
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if listening.returncode == 0 and listening.stdout.strip():  # iproute2's ss, when present
            local = {line.split()[3] for line in listening.stdout.splitlines()}
            assert local == {f"127.0.0.1:{port}"}, listening.stdout
        # Through `ssh -L 9000:127.0.0.1:PORT` the browser asks for localhost:9000: the page's
        # websocket address must follow, or the page would try to reach the server's own port.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "localhost:9000"})
        page = urllib.request.urlopen(request, timeout=10).read().decode()
        assert 'data-session-websocket-url="ws://localhost:9000/ws"' in page
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "no authentication" in err and f"ssh -L {port}:127.0.0.1:{port}" in err


def test_a_port_in_use_is_reported_before_anything_claims_to_listen(run_cli, tui_study_root):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run_cli("serve", tui_study_root, "--port", str(port))
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "listening" not in out + err and "no authentication" not in (out + err).lower()
