"""Choose among a folder's files that each implement the graded class: the one whose forward runs.

``grading.load`` ranks a folder's files without running them: real
implementations before the starter's placeholders, then the most recently
modified. When two or more real ones remain, each is loaded in a worker of its
own and its forward is called once, as ``checks.probe.probe_style`` does; the
first whose forward runs is graded. When several run, or none does, the most
recently modified is graded and ``Submission.choice`` says so, for the report's
first lines and the gradebook's notes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from checks import probe
from checks.layer import LayerContract
from checks.session import WorkerLost
from grading import load
from grading.load import Submission
from grading.worker import WorkerSession


def forward_runs(session: WorkerSession, contract: LayerContract, deadline: float) -> bool:
    """Whether the loaded submission's forward returns an answer of either return style before ``deadline``."""
    session.deadline = deadline
    try:
        loaded = session.load()
        if contract.cls not in loaded.classes or "forward" not in loaded.methods.get(contract.cls, {"forward"}):
            return False
        return probe.probe_style(session, contract).told
    except WorkerLost:
        return False
    finally:
        session.close()


def pick_runnable(
    submission: Submission,
    contract: LayerContract,
    class_names: tuple[str, ...],
    session_for: Callable[[Submission], WorkerSession],
    deadline: float,
) -> Submission:
    """``submission`` graded from the first candidate whose forward runs; each probe gets an equal share of the time left."""
    candidates = submission.candidates
    if len(candidates) < 2 or submission.folder is None:
        return submission
    runs = []
    for number, file in enumerate(candidates):
        share = (deadline - time.monotonic()) / (len(candidates) - number + 1)  # a share is always left for the grading
        each = load.load(submission.path, class_names, pick=file)
        if each.error is None and forward_runs(session_for(each), contract, time.monotonic() + share):
            runs.append(each)
    names = ", ".join(str(f.relative_to(submission.folder)) for f in candidates)
    cls = contract.cls
    if len(runs) == 1:
        chosen = runs[0]
        why = f"{len(candidates)} files define {cls} ({names}); graded {chosen.graded_file}, the only one whose forward runs"
    elif runs:
        chosen = runs[0]
        why = (
            f"{len(candidates)} files define {cls} and {len(runs)} of them have a forward that runs ({names}); "
            f"graded {chosen.graded_file}, the most recently modified: remove the others, or check that it is the one you meant"
        )
    else:
        chosen = submission
        why = (
            f"{len(candidates)} files define {cls} ({names}) and no forward of theirs runs; "
            f"graded {chosen.graded_file}, the most recently modified"
        )
    # The notes are the folder's (the placeholders ignored, the assignment chosen), whichever file is graded.
    return dataclasses.replace(chosen, choice=why, notes=submission.notes)
