"""The cohort's summary: the score distribution (a histogram drawn with matplotlib), what the class failed, the slowest, the ungradable.

Functions of a batch result (rows with student, status, score, max_score,
seconds, reason, failed checks); they know nothing of how the batch ran.
"""

from __future__ import annotations

import statistics
from collections import Counter

from grading.reports.untrusted import markdown_code, markdown_text
from grading.reports.wording import share_text

BINS = 10
"""Bars of ten percentage points below 100, then one bar of its own for 100 (and above, with bonus points)."""
SLOWEST = 5


def _percent(row) -> float:
    return 100.0 * row.score / row.max_score if row.max_score else 0.0


def histogram(rows) -> list[dict]:
    """Counts of the percentage scores: "0–9" (0 up to but not including 10) ... "90–99", then "100" on its own.

    Each bar is ``{"label", "from", "to", "count"}`` and holds the scores with from <= score < to; the last bar's
    ``to`` is None, since bonus points can take a score above 100.
    """
    width = 100 // BINS
    bars = [{"label": f"{i * width}–{(i + 1) * width - 1}", "from": i * width, "to": (i + 1) * width, "count": 0} for i in range(BINS)]
    bars.append({"label": "100", "from": 100, "to": None, "count": 0})
    for row in rows:
        bars[min(int(_percent(row) // width), BINS)]["count"] += 1
    return bars


def histogram_svg(rows) -> str:
    """The histogram as a self-contained SVG drawn with matplotlib, each bar labelled with its range and its count."""
    from grading.reports.pictures import score_histogram  # noqa: PLC0415 - matplotlib only where a cohort is summed up

    return score_histogram(histogram(rows)) + "\n"


def check_failures(rows) -> list[dict]:
    """For each check that anyone failed, how many failed it out of the submissions on which it ran, most failed first.

    A check "ran" unless it timed out or was skipped; submissions that could not be graded at all do not count.
    """
    ran, failed = Counter(), Counter()
    for row in rows:
        if row.status == "error":
            continue
        for name, status in row.checks.items():
            if status not in ("timeout", "skipped"):
                ran[name] += 1
                failed[name] += status in ("failed", "error")
    return [
        {"check": name, "failed": failed[name], "of": ran[name], "fraction": round(failed[name] / ran[name], 4)}
        for name in sorted((n for n in failed if failed[n]), key=lambda n: (-failed[n] / ran[n], n))
    ]


def diagnoses(rows) -> dict:
    """How many students each known mistake was diagnosed in (once per student, however many checks showed it), most first,
    and how many failed some check that no known mistake explains."""
    students: dict[str, set[str]] = {}
    explanations: dict[str, str] = {}
    unexplained = set()
    for row in rows:
        for found in row.diagnoses.values():
            if found["match"] == "none":
                unexplained.add(row.student)
            for name in found["mistakes"]:
                students.setdefault(name, set()).add(row.student)
                if len(found["mistakes"]) == 1:
                    explanations[name] = found["explanation"]
    return {
        "mistakes": [
            {"mistake": name, "students": len(who), "explanation": explanations.get(name, "")}
            for name, who in sorted(students.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
        "unexplained": len(unexplained),
    }


def summary_json(result, settings) -> dict:
    rows = result.rows
    percents = [_percent(r) for r in rows]
    found = diagnoses(rows)
    return {
        "settings": settings.public(),
        "submissions": len(rows),
        "graded_now": result.graded,
        "reused": result.reused,
        "seconds": round(result.seconds, 2),
        "status": dict(Counter(r.status for r in rows)),
        "percent": {
            "mean": round(statistics.fmean(percents), 2) if percents else None,
            "median": round(statistics.median(percents), 2) if percents else None,
            "min": round(min(percents), 2) if percents else None,
            "max": round(max(percents), 2) if percents else None,
        },
        "histogram": histogram(rows),
        "checks": check_failures(rows),
        "diagnoses": found["mistakes"],
        "unexplained_failures": found["unexplained"],
        "slowest": [{"student": r.student, "seconds": round(r.seconds, 2)} for r in sorted(rows, key=lambda r: -r.seconds)[:SLOWEST]],
        "ungradable": [{"student": r.student, "status": r.status, "reason": r.reason} for r in rows if r.status != "graded"],
        "skipped": [{"entry": s.name, "why": s.why} for s in result.skipped],
        "similar": getattr(result, "similarity", None),
        "graded_on": graded_on(rows),
        "placement": [{"student": r.student, "host": r.host, "worker": r.worker, "waited": r.waited} for r in rows if r.host],
    }


def graded_on(rows) -> list[dict]:
    """Each grading process (a host and a worker) that graded submissions in this run: how many, and how long they waited."""
    by_process: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        if row.host:
            by_process.setdefault((row.host, row.worker), []).append(row.waited)
    return [
        {"host": host, "worker": worker, "submissions": len(waits), "mean_wait": round(statistics.fmean(waits), 3), "max_wait": max(waits)}
        for (host, worker), waits in sorted(by_process.items())
    ]


def summary_markdown(result, settings, svg_name: str) -> str:
    data = summary_json(result, settings)
    status = ", ".join(f"{n} {s}" for s, n in sorted(data["status"].items()))
    lines = [
        f"# {settings.assignment}: {data['submissions']} submissions",
        "",
        f"{status}. Mean {data['percent']['mean']}%, median {data['percent']['median']}%. "
        f"{data['graded_now']} graded in this run, {data['reused']} unchanged and reused ({data['seconds']} s).",
        "",
    ]
    if data["skipped"]:
        skipped = ", ".join(f"{markdown_code(s['entry'])} ({s['why']})" for s in data["skipped"])  # names are the students' own
        lines += [f"Skipped, as they cannot be submissions: {skipped}.", ""]
    lines += [
        f"![score distribution]({svg_name})",
        "",
        "## What the cohort failed",
        "",
    ]
    if data["checks"]:
        lines += ["| check | failed | of | share |", "|---|---:|---:|---:|"]
        lines += [f"| {c['check']} | {c['failed']} | {c['of']} | {100 * c['fraction']:.0f}% |" for c in data["checks"]]
    else:
        lines.append("Every graded submission passed every check.")
    lines += ["", "## The mistakes behind the failures", ""]
    if data["diagnoses"]:
        lines += [
            "How many students' answers matched each known mistake (a student counts once per mistake).",
            "",
            "| mistake | students | what it is |",
            "|---|---:|---|",
        ]
        lines += [f"| {d['mistake']} | {d['students']} of {data['submissions']} | {d['explanation']} |" for d in data["diagnoses"]]
    else:
        lines.append("No failure matched a known mistake.")
    if data["unexplained_failures"]:
        lines += ["", f"{data['unexplained_failures']} of {data['submissions']} failed a check that no known mistake explains."]
    lines += ["", "## Slowest submissions", "", "| student | seconds |", "|---|---:|"]
    lines += [f"| {markdown_text(s['student'])} | {s['seconds']:.2f} |" for s in data["slowest"]]
    lines += similar_markdown(data["similar"])
    if data["graded_on"]:
        lines += ["", "## Where they were graded", "", "summary.json's `placement` names each submission's.", ""]
        lines += ["| host | grading process | submissions | mean wait (s) | longest wait (s) |", "|---|---|---:|---:|---:|"]
        for g in data["graded_on"]:  # a Dask worker's name is whatever its operator chose: escaped
            waits = f"{g['mean_wait']:.2f} | {g['max_wait']:.2f}"
            lines.append(f"| {markdown_text(g['host'])} | {markdown_text(g['worker'])} | {g['submissions']} | {waits} |")
    lines += ["", "## Not graded in full", ""]
    if data["ungradable"]:
        lines += [f"- **{markdown_text(u['student'])}** ({u['status']}): {markdown_text(u['reason'])}" for u in data["ungradable"]]
    else:
        lines.append("None: every submission was graded.")
    return "\n".join(lines) + "\n"


def similar_markdown(similar: dict | None) -> list[str]:
    """The similar pairs and clusters, as evidence for a person to judge (``grading.similarity``)."""
    if similar is None:
        return []
    lines = ["", "## Similar submissions", ""]
    if "error" in similar:
        return [*lines, markdown_text(similar["error"])]
    lines.append(
        f"Pairs at or above {share_text(similar['threshold'])} in code or in behaviour ({similar['method']}); evidence for a person"
        " to judge in `similarity.html`, never a score."
    )
    lines.append("")
    if similar["flagged"]:
        lines += ["| pair | code | each one's own code in the other | behaviour | wrong answers in common |", "|---|---:|---:|---:|---:|"]
        for p in similar["flagged"]:
            pair = f"{markdown_text(p['a'])} and {markdown_text(p['b'])}"
            each = f"{share_text(p['code_a'])} / {share_text(p['code_b'])}"
            lines.append(f"| {pair} | {share_text(p['code'])} | {each} | {share_text(p['behaviour'])} | {p['shared_wrong']} |")
        if similar["flagged_count"] > len(similar["flagged"]):
            lines.append(f"\n{similar['flagged_count'] - len(similar['flagged'])} more pairs are in summary.json's count only.")
    else:
        lines.append(f"No pair of the {similar['compared']} submissions reaches the threshold.")
    if similar["clusters"]:
        lines += ["", "Clusters: " + "; ".join(", ".join(markdown_text(s) for s in c) for c in similar["clusters"]) + "."]
    if similar["nearest_below"]:
        below = ", ".join(
            f"{markdown_text(p['a'])} and {markdown_text(p['b'])} ({share_text(max(p['code'], p['behaviour'] or 0.0))})"
            for p in similar["nearest_below"][:3]
        )
        lines += ["", f"The most similar below the threshold: {below}."]
    return lines
