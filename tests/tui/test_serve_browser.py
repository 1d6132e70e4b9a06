"""`tcoder serve` in a real browser: headless Chromium loads the page, the transcript
shows in the terminal, and a span coded with key presses lands in the annotation file."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tcoder.annotations import read_annotations

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# textual-serve keeps its xterm.js Terminal in a closure; catch it as it is assigned
# (`this.terminal = new Terminal(...)`) so the test reads the very screen the page shows.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer) { window.__tcoderTerminal = value; }
  },
});
"""
READ_SCREEN = """() => {
  const term = window.__tcoderTerminal;
  if (!term) { return null; }
  const buffer = term.buffer.active, rows = [];
  for (let i = 0; i < term.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : '');
  }
  return rows.join('\\n');
}"""


TOKEN = "browser-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


@pytest.fixture
def served(fresh_tui_study):
    """`tcoder serve` on a free port of 127.0.0.1, coding P01 as alice."""
    import os

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tcoder", "serve", str(fresh_tui_study.root),
                                "interviews/P01.txt", "--port", str(port), "--coder", "alice"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TCODER_SERVE_TOKEN": TOKEN})

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return process.poll() is not None  # stop waiting if it died

    assert wait_for(listening), "tcoder serve did not start"
    assert process.poll() is None, process.communicate()[1]
    yield fresh_tui_study, port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_page_shows_the_transcript_and_keys_code_a_span(served):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    study, port = served
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # Nothing outside this machine: the page's web font request is refused at once.
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                       else route.abort())
            page.add_init_script(CATCH_TERMINAL)
            page.goto(base + "/")  # without the token: refused
            assert "needs its token" in page.content()
            page.goto(base + f"/?token={TOKEN}")  # the address tcoder serve prints; then a cookie

            def screen() -> str:
                return page.evaluate(READ_SCREEN) or ""

            shown = wait_for(lambda: "Interviewer: Thanks for joining" in screen() and "1:1" in screen())
            assert shown, screen()
            assert page.locator(".textual-terminal").is_visible()
            assert "alice" in screen() and "Amara: Honestly" in screen()

            page.locator(".xterm-helper-textarea").focus()
            for _ in range(11):
                page.keyboard.press("Shift+ArrowRight")
            assert wait_for(lambda: "11 selected" in screen()), screen()
            page.keyboard.press("p")
            assert wait_for(lambda: "coded Personal experience" in screen()), screen()
        finally:
            browser.close()

    path = study.root / "interviews/P01.alice.json"
    assert wait_for(lambda: path.exists() and read_annotations(path).annotations)
    assert [(a.code, a.start, a.end, a.quote) for a in read_annotations(path).annotations] == [
        ("personal", 0, 11, "Interviewer")]
