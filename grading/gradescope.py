"""A Gradescope autograder, one command away: the zip an instructor uploads once, and what it runs on each submission.

    grader.py gradescope --assignment A --out autograder.zip [--seed-file FILE] [--max-examples N] [--timeout S]
                         [--memory MB] [--fail-under PCT] [--hidden-details visible|after_due_date]

The zip (``build``) holds, at its root, as Gradescope wants it:

    setup.sh            installs Python, the pinned dependencies (requirements.txt) and torch from its CPU index
    run_autograder      grades AUTOGRADER_ROOT/submission (default /autograder) with the grader in the zip
    settings.json       the instructor's settings, so that every student is graded alike
    secret_seed.txt     with --seed-file: the secret's text, which only the zip and the instructor hold
    requirements.txt    the grader's dependencies at the versions of the grader that made the zip
    rnn-grader/         that grader itself: grader.py and its packages, run from there (nothing else installs it)

``autograde(root)`` is what run_autograder calls (``grader.py autograde ROOT``). It grades the submission folder with
the same discovery as ``grade``, and always writes ``results/results.json``. If the grading cannot even start (no
submission, unreadable settings), the file scores 0 and says why. Gradescope runs the autograder as root in a
container, so each worker is isolated as the threat model says, and the results' output says so.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import io
import json
import os
import stat
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("reference", "checks", "assignments", "grading")
DEPENDENCIES = ("numpy", "hypothesis", "nbformat", "rich", "pygments", "matplotlib")
"""The grader's runtime dependencies but torch, pinned in requirements.txt at this grader's versions."""
TORCH = "torch>=2.13,<2.14"
VISIBILITIES = ("visible", "after_due_date")
RESULTS = "results/results.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry's time in the zip: the same grader and settings make the same bytes."""

SETUP = """\
#!/usr/bin/env bash
# Installs what rnn-grader {version} needs on Gradescope's Ubuntu image; made by `grader.py gradescope`.
# Gradescope runs it once, as root, when it builds the autograder. The grader itself is in source/rnn-grader.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
if ! python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv "$ROOT/venv"
# From here on, everything comes from the network: the package index, and torch's CPU builds.
"$ROOT/venv/bin/python3" -m pip install --requirement "$SOURCE/requirements.txt"
"$ROOT/venv/bin/python3" -m pip install "{torch}" --index-url https://download.pytorch.org/whl/cpu
"""

RUN = """\
#!/usr/bin/env bash
# Grades AUTOGRADER_ROOT/submission (default /autograder) with rnn-grader {version}; made by `grader.py gradescope`.
# It always writes results/results.json, scoring 0 with the reason when nothing could be graded.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="$ROOT/venv/bin/python3"
if [ ! -x "$PYTHON" ]; then
    PYTHON="$(command -v python3)"
fi
cd "$ROOT" || exit 1
exec "$PYTHON" "$ROOT/source/rnn-grader/grader.py" autograde "$ROOT"
"""


def version() -> str:
    try:
        return importlib.metadata.version("rnn-grader")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _entry(archive: zipfile.ZipFile, name: str, data: bytes, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    archive.writestr(info, data)


def _grader_files() -> list[Path]:
    """This grader's own files, as it runs: grader.py and every file of its packages but caches, in a fixed order."""
    files = [ROOT / "grader.py"]
    for package in PACKAGES:
        files += sorted(p for p in (ROOT / package).rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return files


def requirements() -> str:
    lines = []
    for name in DEPENDENCIES:
        try:
            lines.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            raise RuntimeError(f"{name} is not installed here, so its version cannot be pinned; install rnn-grader first") from None
    return "\n".join(lines) + "\n"


def build(
    out: str | Path, settings, *, secret: str | None = None, fail_under: float | None = None, hidden_details: str = "visible"
) -> Path:
    """Write the autograder zip to ``out`` for ``settings`` (a ``grading.single.Settings`` naming its assignment); the path.

    ``secret``: a secret seed's text, kept in the zip and never in any report. ``fail_under``: a percentage under which
    the results' output says the submission is below the course's bar. ``hidden_details``: "after_due_date" hides
    each check's details (its message, input and hint, and its points) from students until the due date; the total
    stays visible.
    """
    if settings.assignment is None:
        raise ValueError("settings.assignment is None; an autograder grades one assignment: pass --assignment")
    if hidden_details not in VISIBILITIES:
        raise ValueError(f"hidden_details={hidden_details!r} is not one of {', '.join(VISIBILITIES)}")
    if fail_under is not None and not 0 <= fail_under <= 100:
        raise ValueError(f"fail_under={fail_under!r} should be a percentage between 0 and 100")
    chosen = {**dataclasses.asdict(settings), "secret": None, "seed_file": "secret_seed.txt" if secret is not None else None}
    chosen.update(fail_under=fail_under, hidden_details=hidden_details, made_by=version())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _entry(archive, "setup.sh", SETUP.format(version=version(), torch=TORCH).encode(), executable=True)
        _entry(archive, "run_autograder", RUN.format(version=version()).encode(), executable=True)
        _entry(archive, "settings.json", (json.dumps(chosen, indent=2, sort_keys=True) + "\n").encode())
        _entry(archive, "requirements.txt", requirements().encode())
        if secret is not None:
            _entry(archive, "secret_seed.txt", secret.encode())
        for path in _grader_files():
            _entry(archive, f"rnn-grader/{path.relative_to(ROOT).as_posix()}", path.read_bytes())
    out.write_bytes(buffer.getvalue())
    return out


def _failed_closed(reason: str, started: float) -> dict:
    return {
        "score": 0.0,
        "execution_time": round(time.monotonic() - started, 3),
        "output": f"Nothing could be graded: {reason}. The score is 0.",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def autograde(root: str | Path) -> dict:
    """Grade ``root``/submission with ``root``/source/settings.json and write ``root``/results/results.json; its content."""
    from grading.reports.as_gradescope import results  # noqa: PLC0415
    from grading.single import SETTING_NAMES, Settings, grade  # noqa: PLC0415

    started = time.monotonic()
    root = Path(root)
    data = _failed_closed("the grading stopped before it finished", started)  # what is written if it is stopped
    try:
        chosen = json.loads((root / "source" / "settings.json").read_text(encoding="utf-8"))
        secret = (root / "source" / chosen["seed_file"]).read_text(encoding="utf-8") if chosen.get("seed_file") else None
        settings = Settings(**{name: chosen[name] for name in SETTING_NAMES if name in chosen and name != "secret"}, secret=secret)
        submission = root / "submission"
        if not submission.is_dir() or not any(submission.iterdir()):
            data = _failed_closed("the submission is empty: upload your .py file, notebook or repository", started)
        else:
            report = grade(submission, settings=settings, hide=(root / "source", root / "results"))
            data = results(report, visibility=chosen.get("hidden_details", "visible"), fail_under=chosen.get("fail_under"))
            who = "as root" if os.geteuid() == 0 else f"as user {os.geteuid()}"
            data["output"] = f"Graded by rnn-grader {version()} in Gradescope's container, {who}.\n\n{data['output']}"
            data["execution_time"] = round(time.monotonic() - started, 3)
    except Exception as error:  # noqa: BLE001 - a results.json is always written: 0 points, and why
        data = _failed_closed(f"the grader failed ({type(error).__name__}: {error})", started)
    finally:
        target = root / RESULTS
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        temporary.replace(target)
    return data
