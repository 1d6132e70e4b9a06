"""`tcoder serve`: its token, Host and Origin checks (with real HTTP and websocket clients
that forge them), its default address, the page's addresses through a tunnel, bad usage."""

from __future__ import annotations

import argparse
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tcoder.commands.serve import command_line, is_loopback, warning


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_banner_gives_the_address_with_its_token_and_the_tunnel():
    text = warning("127.0.0.1", 8123, "s3cret")
    assert "open http://localhost:8123/?token=s3cret" in text and "no encryption" in text
    assert "ssh -L 8123:127.0.0.1:8123" in text
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


def test_the_coder_is_bound_unless_each_tab_may_choose(run_cli, tui_study_root, monkeypatch):
    monkeypatch.delenv("TCODER_CODER", raising=False)
    code, _, err = run_cli("serve", tui_study_root)
    assert code == 2 and "say whom the browser codes as: --coder NAME" in err and "--ask-coder" in err
    monkeypatch.setenv("TCODER_CODER", "Not A Name")
    code, _, err = run_cli("serve", tui_study_root)
    assert code == 2 and "TCODER_CODER" in err


def test_study_problems_are_reported_before_serving(run_cli, tmp_path, tui_study_root):
    code, _, err = run_cli("serve", tmp_path / "nowhere", "--coder", "alice")
    assert code == 1 and "no such folder" in err
    code, _, err = run_cli("serve", tui_study_root, "P99", "--coder", "alice")
    assert code == 1 and "no transcript 'P99'" in err


@pytest.fixture
def tui_study_root(study_builder):
    from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT

    study_builder.codebook(MINI_CODEBOOK)
    study_builder.transcript("interviews/P01.txt", MINI_TRANSCRIPT)
    return study_builder.root


TOKEN = "k3y-for-tests-only"


def _start(root, token: str = TOKEN):
    """`tcoder serve` on a free port of 127.0.0.1, with a known token: its port, and a
    function that stops it and returns what it printed on standard error."""
    import os

    port = free_port()
    env = {**os.environ, "TCODER_SERVE_TOKEN": token}
    process = subprocess.Popen([sys.executable, "-m", "tcoder", "serve", str(root), "--port", str(port),
                                "--coder", "alice"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def stop() -> str:
        if process.poll() is None:
            process.terminate()  # a session's tcoder process (the websocket test) is stopped too
        try:
            return process.communicate(timeout=30)[1]
        except subprocess.TimeoutExpired:
            process.kill()
            return process.communicate()[1]

    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return port, stop
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"tcoder serve did not start: {stop()}") from None
            time.sleep(0.05)


@pytest.fixture
def server(tui_study_root):
    port, stop = _start(tui_study_root)
    try:
        yield port, stop
    finally:
        stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the tests that only send requests (starting one takes seconds)."""
    from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT, StudyBuilder

    builder = StudyBuilder(tmp_path_factory.mktemp("served") / "study")
    builder.codebook(MINI_CODEBOOK)
    builder.transcript("interviews/P01.txt", MINI_TRANSCRIPT)
    port, stop = _start(builder.root)
    try:
        yield port, stop
    finally:
        stop()


def _get(port: int, path: str = "/", headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def test_listens_on_127_0_0_1_by_default_and_pages_follow_the_tunnel(server):
    port, stop = server
    listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
    if listening.returncode == 0 and listening.stdout.strip():  # iproute2's ss, when present
        local = {line.split()[3] for line in listening.stdout.splitlines()}
        assert local == {f"127.0.0.1:{port}"}, listening.stdout
    # Through `ssh -L 9000:127.0.0.1:PORT` the browser asks for localhost:9000: the page's
    # websocket address must follow, or the page would try to reach the server's own port.
    status, page, _ = _get(port, f"/?token={TOKEN}", {"Host": "localhost:9000"})
    assert status == 200 and 'data-session-websocket-url="ws://localhost:9000/ws"' in page
    banner = stop()
    assert f"open http://localhost:{port}/?token={TOKEN}" in banner and f"ssh -L {port}:127.0.0.1:{port}" in banner


def test_every_request_needs_the_token_and_keeps_it_in_a_cookie(shared_server):
    port, _ = shared_server
    for path in ("/", "/static/js/textual.js", "/ws", "/download/x"):
        status, body, _ = _get(port, path)
        assert status == 403 and "needs its token" in body, (path, status)
    status, _, _ = _get(port, "/?token=wrong")
    assert status == 403
    status, page, headers = _get(port, f"/?token={TOKEN}")
    assert status == 200 and "textual-terminal" in page
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"tcoder-token-{port}={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert _get(port, "/", {"Cookie": f"tcoder-token-{port}={TOKEN}"})[0] == 200
    assert _get(port, "/", {"Authorization": f"token {TOKEN}"})[0] == 200
    assert _get(port, "/", {"Cookie": f"tcoder-token-1={TOKEN}x"})[0] == 403


@pytest.mark.parametrize("headers, said", [
    ({"Host": "evil.example"}, "not this machine"),  # DNS rebinding: the page's own name
    ({"Host": "evil.example:8000"}, "not this machine"),
    ({"Origin": "http://evil.example"}, "another site"),
    ({"Origin": "http://localhost.evil.example:8000"}, "another site"),
    ({"Origin": "null"}, "without an origin"),
])
def test_forged_host_or_origin_is_refused_even_with_the_token(shared_server, headers, said):
    port, _ = shared_server
    status, body, _ = _get(port, f"/?token={TOKEN}", headers)
    assert status == 403 and said in body


def test_websockets_are_guarded_like_pages(shared_server):
    """Raw websocket clients (aiohttp), as another account or a rebinding page would connect."""
    import asyncio

    import aiohttp

    port, _ = shared_server
    url = f"ws://127.0.0.1:{port}/ws"

    async def attempt(headers: dict[str, str]) -> int:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url, headers=headers, timeout=aiohttp.ClientWSTimeout(ws_close=5)):
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    cookie = {"Cookie": f"tcoder-token-{port}={TOKEN}"}
    local = {"Origin": f"http://localhost:{port}"}
    assert asyncio.run(attempt({})) == 403  # no token
    assert asyncio.run(attempt({**local, "Cookie": f"tcoder-token-{port}=guess"})) == 403
    assert asyncio.run(attempt({**cookie, "Origin": "http://evil.example"})) == 403
    assert asyncio.run(attempt({**cookie, "Origin": "http://evil.example", "Host": "evil.example"})) == 403
    assert asyncio.run(attempt({**cookie, **local})) == 101


def test_a_port_in_use_is_reported_before_anything_claims_to_listen(run_cli, tui_study_root):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run_cli("serve", tui_study_root, "--port", str(port), "--coder", "alice")
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "listening" not in out + err and "no authentication" not in (out + err).lower()
