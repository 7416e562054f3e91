"""A page as a real browser loads it: Debian's Chromium, headless, with every network request sent to a closed port.

``.ci/run`` installs Chromium; elsewhere a test that needs it is skipped, and fails under CI (where ``CI`` is set).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CLOSED_PROXY = "--proxy-server=127.0.0.1:9"


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's package")
        pytest.skip("needs Debian's chromium (apt-get install chromium), which .ci/run installs")
    return found


def load(page: Path, *, screenshot: Path | None = None) -> tuple[str, list[str]]:
    """The page's DOM once loaded (or, with ``screenshot``, a PNG of it written there instead) and the console's
    messages: every script error, refused request and Content-Security-Policy violation is one."""
    what = [f"--screenshot={screenshot}", "--window-size=1100,2400"] if screenshot else ["--dump-dom"]
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", CLOSED_PROXY, "--enable-logging=stderr", "--v=0", *what]
    done = subprocess.run([*command, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
