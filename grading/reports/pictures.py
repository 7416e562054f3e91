"""Pictures for people, drawn with matplotlib as SVG text to inline in a page.

    heatmaps(compared, figure_id)       expected, received and their difference side by side on one colour scale
    hidden_state(compared, figure_id)   a forward's hidden state over the steps: one line per unit, expected dashed
    score_histogram(bars)               a cohort's scores, one bar per range of ``summary.histogram`` (``score-bar-I``)

The same data draws the same SVG on every run: matplotlib's ids are salted with the figure's id (so two figures of
one page never share one), and no date is written. Settings apply only inside each drawing (``rc_context``), and
nothing here imports pyplot: a passing report never imports matplotlib at all, since only these functions do.

In a heatmap's SVG, each panel is one ``<g id="FIGURE-PANEL-K">`` (PANEL: expected, received or difference; K: the
leading index of a 3-D array, 0 otherwise) holding one ``<path>`` per entry, in the array's row-major order; an entry
of the difference within its tolerance is not filled (``fill: none``), so the filled cells are where the arrays differ.
"""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np

from checks.results import Compared

MAX_PANEL_ROWS = 4
"""Leading indices of a 3-D array shown, one row of three panels each: those where the arrays differ, first."""
MAX_UNITS = 8
"""Units drawn in a hidden state's picture: the worst entry's unit and its neighbours."""
TIME_AXES = ("n_sequences", "T (steps)")
PANELS = ("expected", "received", "difference")
CMAP = "RdBu_r"
SETTINGS = {"svg.fonttype": "none", "font.size": 7, "axes.titlesize": 8}
"""Text kept as text (smaller, and searchable in the page), in small type."""
SCALE_BANDS = 41
SCALE_INCHES = 0.8
"""Room right of the panels for the colour scale and its labels."""
GAP = 1.2
"""Cells between two panels of a heatmap, and above each row of panels for its titles."""


_COUNTED_ID = re.compile(r'id="([A-Za-z0-9.]+_\d+)"')
"""The ids matplotlib counts within one figure ("axes_1", "matplotlib.axis_2"): prefixed with the figure's id, so that no two
figures of one page share one. Its other ids (clip paths, markers) are hashes salted with the figure's id already."""


@contextlib.contextmanager
def _drawing(figure_id: str, width: float, height: float):
    """A matplotlib Figure of ``width`` by ``height`` inches, and a list to which the block appends its SVG text
    (without the XML prologue): ids salted with ``figure_id``, no date, text kept as text."""
    import matplotlib
    import matplotlib.style
    from matplotlib.figure import Figure

    # matplotlib's own defaults, whatever matplotlibrc the current folder (a submission's repository) holds
    with matplotlib.style.context("default"), matplotlib.rc_context(SETTINGS | {"svg.hashsalt": figure_id}):
        figure, svg = Figure(figsize=(width, height)), []
        yield figure, svg
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    svg.append(_COUNTED_ID.sub(lambda m: f'id="{figure_id}-{m.group(1)}"', text[text.index("<svg") :]))


def _shown_rows(compared: Compared) -> list[int]:
    """The leading indices a 3-D array shows (the worst one's first, then those that differ), or [0] for fewer axes."""
    if compared.expected.ndim < 3:
        return [0]
    differs = compared.differs().reshape(compared.expected.shape[0], -1).any(axis=1)
    first = [compared.worst[0]] if compared.worst else []
    order = first + [i for i in np.flatnonzero(differs) if i not in first] + [i for i in np.flatnonzero(~differs)]
    return sorted(int(i) for i in order[:MAX_PANEL_ROWS])


def _as_2d(array: np.ndarray, row: int) -> np.ndarray:
    """The panel of ``array`` at leading index ``row``: a 1-D array as one row, a 3-D one's slice."""
    if array.ndim == 1:
        return array[np.newaxis, :]
    return array if array.ndim == 2 else array[row]


def _labels(count: int) -> list[str]:
    return [str(i) if count <= 12 or i % 5 == 0 else "" for i in range(count)]


def heatmaps(compared: Compared, figure_id: str) -> str:
    """Expected, received and received - expected, side by side on one diverging colour scale centred on 0; a 3-D
    array as one such row per leading index (``MAX_PANEL_ROWS`` at most), the worst entry outlined in every panel.

    All panels share one set of axes (matplotlib spends most of a small figure's time per set of axes): panel p of
    row r covers x from p * (width + gap) and y from r * (height + GAP) + GAP.
    """
    from matplotlib.patches import Rectangle

    expected, received = compared.expected, compared.received
    difference = np.where(compared.differs(), received - expected, np.nan)
    limit = float(max(np.abs(expected).max(), np.abs(received).max(), np.nanmax(np.abs(difference), initial=0.0))) or 1.0
    rows = _shown_rows(compared)
    height, width = _as_2d(expected, rows[0]).shape
    lead = f" · {compared.axes[0]} {rows[-1]}" if expected.ndim == 3 else ""
    title_inches = 0.06 * len(f"received − expected{lead}") + 0.15  # at 7 points
    down = len(rows) * (height + GAP)
    inch = min(0.45, 7.0 / down)  # at most 7 inches down
    for _ in range(3):  # a panel and its gap at least as wide as the longest title, at most 6 inches across in all
        gap = max(GAP, title_inches / inch - width)
        margin = max(0.2, (title_inches / inch - width) / 2)  # room for the outer panels' titles
        across = 3 * width + 2 * gap
        inch = min(inch, 6.0 / (across + 2 * margin))
    plot_w, plot_h = (across + 2 * margin) * inch + SCALE_INCHES, down * inch
    fig_w, fig_h = 0.6 + plot_w + 0.1, plot_h + 0.65
    with _drawing(figure_id, fig_w, fig_h) as (figure, svg):
        axes = figure.add_axes((0.6 / fig_w, 0.5 / fig_h, plot_w / fig_w, plot_h / fig_h))
        mesh = None
        for r, row in enumerate(rows):
            top = r * (height + GAP) + GAP
            for p, (panel, values) in enumerate(zip(PANELS, (expected, received, difference))):
                left = p * (width + gap)
                shown = np.ma.masked_invalid(_as_2d(values, row))
                mesh = axes.pcolormesh(
                    np.arange(width + 1) + left,
                    np.arange(height + 1) + top,
                    shown,
                    cmap=CMAP,
                    vmin=-limit,
                    vmax=limit,
                    edgecolors="#dddddd",
                    linewidth=0.3,
                )
                mesh.set_gid(f"{figure_id}-{panel}-{row}")
                lead = f" · {compared.axes[0]} {row}" if expected.ndim == 3 else ""
                title = "received − expected" if panel == "difference" else panel
                axes.text(left + width / 2, top - 0.15, f"{title}{lead}", ha="center", va="bottom", fontsize=7)
                worst = compared.worst
                if worst and (expected.ndim < 3 or worst[0] == row):
                    i, j = (0, worst[0]) if expected.ndim == 1 else worst[-2:]
                    outline = Rectangle((left + j, top + i), 1, 1, fill=False, edgecolor="black", linewidth=1.4)
                    outline.set_gid(f"{figure_id}-worst-{panel}-{row}")
                    axes.add_patch(outline)
        axes.set_xlim(-margin, across + margin + SCALE_INCHES / inch)
        axes.set_ylim(down, 0)  # row 0 at the top, as the array prints
        axes.set_aspect("equal")
        axes.set_axis_off()  # indices as plain text: matplotlib's tick objects cost most of a small figure's time
        index = {"fontsize": 6, "color": "#444444"}
        for p in range(3):
            for j, label in enumerate(_labels(width)):
                axes.text(p * (width + gap) + j + 0.5, down + 0.15, label, ha="center", va="top", **index)
        for r in range(len(rows)):
            for i, label in enumerate(_labels(height)):
                axes.text(-0.15, r * (height + GAP) + GAP + i + 0.5, label, ha="right", va="center", **index)
        axes.text(across / 2, down + 0.9, compared.axes[-1], ha="center", va="top", fontsize=7)
        if expected.ndim > 1:
            axes.text(-0.9, down / 2, compared.axes[-2], ha="right", va="center", rotation=90, fontsize=7)
        _scale(axes, figure_id, across + margin + 0.2 / inch, 0.15 / inch, GAP, down, limit)
    return svg[0]


def _scale(axes, figure_id: str, left: float, width: float, top: float, bottom: float, limit: float) -> None:
    """The colour scale as a strip of ``SCALE_BANDS`` bands from +limit (top) to -limit, labelled at both ends and 0,
    drawn in the panels' own axes (a colorbar's axes of its own would double a small figure's time)."""
    values = np.linspace(limit, -limit, SCALE_BANDS)[:, np.newaxis]
    strip = axes.pcolormesh([left, left + width], np.linspace(top, bottom, SCALE_BANDS + 1), values, cmap=CMAP, vmin=-limit, vmax=limit)
    strip.set_gid(f"{figure_id}-scale")
    for y, value in ((top, limit), ((top + bottom) / 2, 0.0), (bottom, -limit)):
        axes.text(left + 1.4 * width, y, f"{value:.3g}", ha="left", va="center", fontsize=6)


def draws_over_time(compared: Compared) -> bool:
    """Whether ``compared`` is a hidden state over the steps: (batch, steps, units), and not a gradient."""
    return compared.expected.ndim == 3 and compared.axes[1] in TIME_AXES and not compared.name.startswith("d")


def hidden_state(compared: Compared, figure_id: str) -> str:
    """The hidden state over the steps for the worst entry's batch row: one colour per unit, the expected values
    dashed, the received ones solid (``MAX_UNITS`` units at most, around the worst entry's)."""
    row, _, unit = compared.worst or (0, 0, 0)
    steps, units = compared.expected.shape[1:]
    first = max(0, min(unit - MAX_UNITS // 2, units - MAX_UNITS))
    x = np.arange(steps)
    with _drawing(figure_id, 5.0, 2.2) as (figure, svg):
        axes = figure.add_axes((0.12, 0.2, 0.72, 0.74))
        for j in range(first, min(units, first + MAX_UNITS)):
            line = {"marker": "o", "markersize": 3, "color": f"C{j % 10}"}
            axes.plot(x, compared.expected[row, :, j], linestyle="--", gid=f"{figure_id}-expected-unit-{j}", **line)
            axes.plot(x, compared.received[row, :, j], linestyle="-", gid=f"{figure_id}-received-unit-{j}", **line)
            # each unit named at its line's end: a legend's box costs as much to lay out as the rest of the figure
            axes.annotate(
                f"unit {j}",
                (x[-1], compared.received[row, -1, j]),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                color=line["color"],
                fontsize=6,
            )
        axes.set_xlabel(f"{compared.axes[1]} ({compared.axes[0]} {row})")
        axes.set_ylabel(compared.name)
        axes.set_xticks(x if steps <= 16 else x[:: steps // 8])
        axes.yaxis.get_major_locator().set_params(nbins=4)
    return svg[0]


def score_histogram(bars: list[dict]) -> str:
    """A bar per range of ``bars`` (``summary.histogram``'s), labelled with its range and its count."""
    counts = [bar["count"] for bar in bars]
    with _drawing("score-histogram", 6.0, 2.6) as (figure, svg):
        axes = figure.add_axes((0.1, 0.2, 0.86, 0.68))
        drawn = axes.bar([bar["label"] for bar in bars], counts, color="#4c72b0")
        for i, patch in enumerate(drawn):
            patch.set_gid(f"score-bar-{i}")
        axes.bar_label(drawn, labels=[str(c) if c else "" for c in counts])
        axes.set_xlabel("score (percent of the maximum)")
        axes.set_ylabel("submissions")
        axes.set_title("Score distribution")
        axes.yaxis.get_major_locator().set_params(integer=True)
    return svg[0]


def drawings(problem: str, check: str, compared: Compared) -> list[tuple[str, str]]:
    """The pictures of a failed check's comparison, as (kind, figure id): its heatmaps, and for a hidden state over the
    steps its lines too."""
    figure = figure_id(problem, check)
    return [("heatmaps", figure)] + ([("hidden_state", f"{figure}-time")] if draws_over_time(compared) else [])


def draw(kind: str, compared: Compared, figure: str) -> str:
    """The picture of ``kind`` (one of ``drawings``'s) as SVG text."""
    return {"heatmaps": heatmaps, "hidden_state": hidden_state}[kind](compared, figure)


_ID = re.compile(r"[^A-Za-z0-9_-]+")


def figure_id(*parts: str) -> str:
    """An id for a figure, from grader-made names (a problem's id, a check's name): letters, digits, - and _ only."""
    return _ID.sub("_", "-".join(parts))
