"""Print the HTML report to PDF, or screenshot it, with a local headless Chromium.

Chromium renders the same HTML a reader opens, with the system's fonts (Debian:
``apt-get install -y chromium fonts-noto-cjk`` for Chinese glyphs). Everything runs
offline: networking, updates and sync are switched off and a throw-away profile is used.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from attrib.errors import AttribError, UsageError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds a print may take before it is given up (a report prints in about one).
TIMEOUT = 120
NO_BROWSER = ("PDF output needs a local Chromium (Debian: apt-get install -y chromium "
              "fonts-noto-cjk); otherwise write --format html and print it to PDF from a "
              "browser (see docs/report.md)")


def find_browser() -> str | None:
    """The path of a Chromium-family browser on PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _offline_flags(profile: Path) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}"]


def _run(browser: str, args: list[str], html: bytes, out_name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="attrib-browser-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / out_name
        page.write_bytes(html)
        command = [browser, *_offline_flags(Path(tmp) / "profile"),
                   *[a.replace("{out}", str(out)) for a in args], page.as_uri()]
        try:
            proc = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise AttribError(f"{browser} did not finish within {TIMEOUT} s; write --format "
                              "html and print it from a browser") from None
        if not out.is_file() or out.stat().st_size == 0:
            raise AttribError(f"{browser} failed (exit {proc.returncode}) to render the report; "
                              "write --format html and print it from a browser")
        return out.read_bytes()


def html_to_pdf(html: bytes, browser: str | None = None) -> bytes:
    """Print an HTML report to PDF (A4, no browser header or footer)."""
    browser = browser or find_browser()
    if browser is None:
        raise UsageError(NO_BROWSER)
    return _run(browser, ["--no-pdf-header-footer", "--print-to-pdf={out}"], html, "report.pdf")


def screenshot(html: bytes, width: int = 1200, height: int = 3000,
               browser: str | None = None) -> bytes:
    """A PNG of the top of the rendered report (for checking that it renders)."""
    browser = browser or find_browser()
    if browser is None:
        raise UsageError(NO_BROWSER)
    return _run(browser, [f"--window-size={width},{height}", "--screenshot={out}"], html,
                "report.png")
