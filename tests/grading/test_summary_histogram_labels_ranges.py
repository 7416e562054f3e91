"""The cohort's histogram labels each bar with the range it holds, and 100% has a bar of its own."""

from collections import namedtuple

from grading.reports.summary import histogram, histogram_svg

Row = namedtuple("Row", "score max_score")
LABELS = ["0–9", "10–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79", "80–89", "90–99", "100"]


def counts(*percents: float) -> dict[str, int]:
    return {bar["label"]: bar["count"] for bar in histogram([Row(p, 100) for p in percents])}


def test_the_bars_are_ten_ranges_below_100_then_100_alone():
    assert [bar["label"] for bar in histogram([])] == LABELS


def test_a_full_score_falls_in_the_100_bar_and_a_score_just_below_it_in_90_to_99():
    found = counts(100, 99.5, 90)
    assert (found["100"], found["90–99"]) == (1, 2)


def test_each_score_falls_in_the_range_that_holds_it():
    found = counts(0, 9.9, 10, 55)
    assert (found["0–9"], found["10–19"], found["50–59"]) == (2, 1, 1) and sum(found.values()) == 4


def test_scores_above_100_with_bonus_points_count_in_the_100_bar():
    assert counts(120)["100"] == 1


def test_the_svg_labels_its_bars_with_the_ranges():
    svg = histogram_svg([Row(100, 100)])
    assert all(f">{label}</text>" in svg for label in LABELS) and ">90</text>" not in svg
