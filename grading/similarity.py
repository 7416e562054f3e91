"""Similar submissions: the pairs an instructor should look at, as evidence for a person to judge, never as a score.

Two signals, each a share from 0 to 1:

- **code**: winnowed fingerprints (Schleimer, Wilkerson and Aiken, "Winnowing", SIGMOD 2003: the algorithm of
  MOSS) of the graded code after normalisation. Pygments tokenizes it; comments, docstrings and whitespace are
  dropped, every identifier becomes ``N`` (builtins such as ``range`` stay) and every string ``S``, so renaming
  and reformatting change nothing. A notebook counts by its code cells only. Every k-gram of the assignment's
  starter and instructor-provided code is subtracted, so a cohort sharing the template does not look alike. A
  pair's code share is the larger of the two shares of each one's own tokens covered by k-grams found in both.
- **behaviour**: the wrong answers both gave on the same drawn cases (each failed check's counterexample and
  message, which hold the received values), as a Jaccard share. Only wrong answers count (two correct programs
  are not evidence), and only those no known mistake explains (a common mistake is common).

Written here rather than with ``copydetect``: its k-grams are hashed with Python's ``hash``, which varies between
processes, so its shares would change from run to run, against the grader's determinism. The hashing here is
BLAKE2b of the normalized tokens.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from pygments.lexers import PythonLexer
from pygments.token import Comment, Name, String, Text

from grading.single import SIMILARITY_THRESHOLD

K = 16
"""Tokens per k-gram: shorter matches are noise (``np.tanh(N @ N + N @ N + N)`` is everyone's)."""
STARTER_K = 10
"""Tokens per k-gram when telling the starter's tokens in a submission: shorter than K, so that a starter of small
functions whose bodies every student replaced is still recognised around each replacement."""
WINDOW = 6
"""Winnowing window: any match of K + WINDOW - 1 tokens is sure to be found."""
MIN_TOKENS = 40
"""A pair's code share counts only where at least this many of its tokens match: a few shared lines are not a copy."""
LISTED = 0.2
"""Pairs below this code share and without a shared wrong answer are not kept: the summary's "nearest below" list."""
MAX_CODE = 256 * 2**10
"""Characters of a submission's code compared: real ones hold a few thousand; a submission padded to the loader's
10 MiB would otherwise cost the whole cohort's analysis its time."""
MOST_PAIRS = 50
"""Pairs the summary lists at most, the most similar first."""


@dataclass(frozen=True)
class Code:
    """One submission's graded code, normalized: each token's text and its span in ``text``."""

    student: str
    text: str
    tokens: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


def normalized(student: str, text: str) -> Code:
    """``text`` tokenized and normalized as the module's docstring says."""
    tokens, spans = [], []
    for start, kind, value in PythonLexer().get_tokens_unprocessed(text):
        if kind in Comment or kind in Text or kind in String.Doc or not value.strip():
            continue
        if kind in Name.Builtin:
            word = value
        elif kind in Name:
            word = "N"
        elif kind in String:
            word = "S"
            if spans and tokens[-1] == "S" and spans[-1][1] == start:  # one string, lexed in parts
                spans[-1] = (spans[-1][0], start + len(value))
                continue
        else:
            word = value
        tokens.append(word)
        spans.append((start, start + len(value)))
    return Code(student, text, tuple(tokens), tuple(spans))


def gram_hashes(tokens: tuple[str, ...], k: int = K) -> np.ndarray:
    """The hash of each k-gram of ``tokens``, in order (empty when there are fewer than k)."""
    count = len(tokens) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    joined = ("\x1f".join(tokens[i : i + k]).encode("utf-8", "surrogatepass") for i in range(count))
    return np.fromiter((int.from_bytes(hashlib.blake2b(g, digest_size=8).digest(), "little") for g in joined), np.uint64, count)


def winnowed(hashes: np.ndarray) -> set[int]:
    """The fingerprints: the smallest hash of each window of WINDOW consecutive k-grams."""
    if len(hashes) <= WINDOW:
        return set(hashes.tolist())
    windows = np.lib.stride_tricks.sliding_window_view(hashes, WINDOW)
    return set(windows.min(axis=1).tolist())


@dataclass(frozen=True)
class Fingerprint:
    code: Code
    hashes: np.ndarray  # every k-gram's hash, starter k-grams included (positions matter for highlighting)
    own: np.ndarray  # per k-gram: not one of the starter's
    own_unique: np.ndarray  # the hashes of the k-grams not the starter's, sorted, once each
    selected: frozenset[int]  # winnowed, starter removed
    template: np.ndarray  # per token: covered by a starter k-gram
    own_tokens: int  # tokens covered by no starter k-gram


@dataclass(frozen=True)
class Starter:
    """The code every student was given, as k-grams: ``grams`` of K tokens, ``short`` of STARTER_K."""

    grams: np.ndarray
    short: np.ndarray


def fingerprint(code: Code, starter: Starter) -> Fingerprint:
    """``code``'s k-grams; those of the starter are no fingerprint, and the tokens they cover not the student's own."""
    hashes = gram_hashes(code.tokens)
    own = ~np.isin(hashes, starter.grams)
    template = _covered(np.isin(gram_hashes(code.tokens, STARTER_K), starter.short), len(code.tokens), STARTER_K)
    return Fingerprint(code, hashes, own, np.unique(hashes[own]), frozenset(winnowed(hashes[own])), template, int((~template).sum()))


def starter_hashes(texts: list[str]) -> Starter:
    """Every k-gram of the starter and instructor-provided code, of both lengths."""
    tokens = [normalized("", text).tokens for text in texts]
    return Starter(*(np.unique(np.concatenate([np.zeros(0, np.uint64), *(gram_hashes(t, k) for t in tokens)])) for k in (K, STARTER_K)))


def _covered(grams: np.ndarray, size: int, k: int = K) -> np.ndarray:
    """Which of ``size`` tokens the k-grams flagged in ``grams`` cover (k-gram i covers tokens i to i + k - 1)."""
    if not len(grams):
        return np.zeros(size, bool)
    return np.convolve(grams.astype(np.int32), np.ones(k, np.int32))[:size] > 0


@dataclass(frozen=True)
class Pair:
    """Two submissions, their shares of code and behaviour, and where their code matches (character spans)."""

    a: str
    b: str
    code: float
    code_a: float  # the share of a's own tokens matched in b
    code_b: float
    matched_tokens: int
    behaviour: float | None  # None when either has no wrong answer to compare
    shared_wrong: int
    regions_a: tuple[tuple[int, int], ...] = ()
    regions_b: tuple[tuple[int, int], ...] = ()
    flagged: bool = False

    def to_dict(self) -> dict:
        return {**asdict(self), "regions_a": [list(r) for r in self.regions_a], "regions_b": [list(r) for r in self.regions_b]}


def _regions(mask: np.ndarray, spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Runs of matched tokens as character spans of the text, from a run's first token's start to its last one's end."""
    edges = np.diff(np.concatenate([[False], mask, [False]]).astype(np.int8))
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return tuple((spans[f][0], spans[last][1]) for f, last in zip(firsts, lasts))


def code_pair(x: Fingerprint, y: Fingerprint) -> tuple[float, float, int, np.ndarray, np.ndarray]:
    """Shares of x's and y's own tokens matched in the other, the matched tokens, and which tokens of each match."""
    shared = np.intersect1d(x.own_unique, y.own_unique, assume_unique=True)
    # A shared k-gram may reach into the starter's tokens: only the student's own count, and are shown.
    in_x = _covered(np.isin(x.hashes, shared) & x.own, len(x.code.tokens)) & ~x.template
    in_y = _covered(np.isin(y.hashes, shared) & y.own, len(y.code.tokens)) & ~y.template
    share_x = in_x.sum() / x.own_tokens if x.own_tokens else 0.0
    share_y = in_y.sum() / y.own_tokens if y.own_tokens else 0.0
    return float(share_x), float(share_y), int(min(in_x.sum(), in_y.sum())), in_x, in_y


def wrong_answers(report: dict) -> frozenset[str]:
    """What a report's failed checks received, on which case: a signature per wrong answer no known mistake explains."""
    found = set()
    for problem in report.get("problems", []):
        for check in problem.get("checks", []):
            explained = (check.get("diagnosis") or {}).get("mistakes")
            if check.get("status") == "failed" and not explained:
                found.add(json.dumps([problem.get("id"), check.get("name"), check.get("counterexample"), check.get("message")]))
    return frozenset(found)


@dataclass
class Similarity:
    """The analysis of a cohort: its pairs (the most similar first), those flagged, the clusters they form."""

    threshold: float
    pairs: list[Pair] = field(default_factory=list)
    clusters: list[list[str]] = field(default_factory=list)
    compared: int = 0
    skipped: list[str] = field(default_factory=list)  # submissions with no code to compare

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged]

    def to_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "method": f"winnowed {K}-token fingerprints (window {WINDOW}), starter subtracted; behaviour: unexplained wrong answers",
            "compared": self.compared,
            "flagged": [p.to_dict() for p in self.flagged[:MOST_PAIRS]],
            "flagged_count": len(self.flagged),
            "nearest_below": [{k: v for k, v in p.to_dict().items() if not k.startswith("regions")} for p in self.pairs if not p.flagged][
                :5
            ],
            "clusters": self.clusters,
            "skipped": self.skipped,
        }


def analyse(
    codes: dict[str, str],
    reports: dict[str, dict] | None = None,
    *,
    starter: list[str] = (),
    threshold: float = SIMILARITY_THRESHOLD,
    earlier: dict[str, str] | None = None,
) -> Similarity:
    """Compare every two of ``codes`` (student -> graded code), and each of them with ``earlier`` (an earlier cohort's,
    by a name such as ``2025/alice``, never with one another); ``reports`` (student -> report.json data) adds the
    behaviour signal. Pairs at or above ``threshold`` in either signal are flagged; clusters join flagged pairs."""
    reports = reports or {}
    template = starter_hashes(list(starter))
    prints = {s: fingerprint(normalized(s, text), template) for s, text in codes.items()}
    older = {s: fingerprint(normalized(s, text), template) for s, text in (earlier or {}).items()}
    result = Similarity(threshold, compared=len(prints), skipped=sorted(s for s, p in prints.items() if not p.selected))
    candidates = _candidates(prints, older)
    wrong = {s: wrong_answers(r) for s, r in reports.items() if s in prints}
    for a, b in sorted(candidates | _same_wrong(wrong)):
        x, y = (prints.get(a) or older[a]), (prints.get(b) or older[b])
        share_a, share_b, matched, _, _ = code_pair(x, y)
        share_a, share_b = round(share_a, 3), round(share_b, 3)  # flagged as shown
        code = max(share_a, share_b) if matched >= MIN_TOKENS else 0.0
        wa, wb = wrong.get(a, frozenset()), wrong.get(b, frozenset())
        behaviour = round(len(wa & wb) / len(wa | wb), 3) if wa and wb else None
        flagged = code >= threshold or (behaviour is not None and behaviour >= threshold)
        if flagged or code >= LISTED or behaviour:
            result.pairs.append(
                Pair(a, b, code, share_a, share_b, matched, behaviour, len(wa & wb), flagged=flagged)
            )  # fmt: skip
    result.pairs.sort(key=lambda p: (-max(p.code, p.behaviour or 0.0), p.a, p.b))
    for i, pair in enumerate(result.pairs[:MOST_PAIRS]):  # where they match, for the pairs the summary lists
        if pair.flagged:
            x, y = (prints.get(pair.a) or older[pair.a]), (prints.get(pair.b) or older[pair.b])
            _, _, _, in_a, in_b = code_pair(x, y)
            result.pairs[i] = dataclasses.replace(pair, regions_a=_regions(in_a, x.code.spans), regions_b=_regions(in_b, y.code.spans))
    result.clusters = _clusters(result.flagged)
    return result


def _candidates(prints: dict[str, Fingerprint], older: dict[str, Fingerprint]) -> set[tuple[str, str]]:
    """Pairs sharing at least one fingerprint: the cohort's among themselves, and each with each earlier one."""
    holders: dict[int, list[str]] = defaultdict(list)
    for student, found in prints.items():
        for value in found.selected:
            holders[value].append(student)
    pairs = {tuple(sorted(p)) for names in holders.values() for p in combinations(names, 2)}
    for name, found in older.items():
        for value in found.selected:
            pairs.update((student, name) for student in holders.get(value, ()))
    return pairs


def _same_wrong(wrong: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    """Pairs that gave at least one same wrong answer."""
    holders: dict[str, list[str]] = defaultdict(list)
    for student, answers in wrong.items():
        for answer in answers:
            holders[answer].append(student)
    return {tuple(sorted(p)) for names in holders.values() for p in combinations(names, 2)}


def _clusters(pairs: list[Pair]) -> list[list[str]]:
    """Groups of submissions joined by flagged pairs, the largest first."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    groups: dict[str, list[str]] = defaultdict(list)
    for name in parent:
        groups[root(name)].append(name)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


def graded_code(path: Path, class_names: tuple[str, ...]) -> str | None:
    """The code a grading of ``path`` runs (``grading.load``: the graded file; a notebook's code cells), or None."""
    from grading import load  # noqa: PLC0415

    submission = load.load(path, class_names)
    if submission.error or not submission.sources:
        return None
    return "\n\n".join(source["code"] for source in submission.sources)[:MAX_CODE]


def starter_texts(assignment_folder: Path, class_names: tuple[str, ...]) -> list[str]:
    """The code an assignment gives every student: its starters and every module it supplies (not its solution or
    its mistakes)."""
    texts = []
    for path in sorted(assignment_folder.iterdir()):
        if path.name not in ("__init__.py", "solution.py", "mistakes.py") and path.suffix in (".py", ".ipynb"):
            texts.append(graded_code(path, class_names) or "")
    return texts


def of_cohort(
    students: dict[str, Path],
    assignment: str,
    *,
    reports: dict[str, dict] | None = None,
    threshold: float = SIMILARITY_THRESHOLD,
    against: dict[str, Path] | None = None,
) -> tuple[Similarity, dict[str, str]]:
    """The analysis of ``students`` (name -> submission path) for ``assignment``, with the behaviour of ``reports``
    (name -> a batch's report.json, as ``batch.stored_report`` vouches for it), and each compared with ``against``
    (an earlier cohort's submissions by name); and the code each was compared by. A submission whose code cannot be
    read is listed as skipped."""
    import assignments  # noqa: PLC0415

    spec = assignments.get(assignment)
    names = tuple(c.cls for c in spec.contracts)
    codes = {s: text for s, path in students.items() if (text := graded_code(path, names)) is not None}
    earlier = {s: text for s, path in (against or {}).items() if (text := graded_code(path, names)) is not None}
    found = analyse(codes, reports, starter=starter_texts(spec.folder, names), threshold=threshold, earlier=earlier)
    found.skipped = sorted({*found.skipped, *(s for s in students if s not in codes)})
    return found, {**earlier, **codes}
