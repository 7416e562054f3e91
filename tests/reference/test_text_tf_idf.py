"""TF-IDF against values worked out by hand from idf = ln((1 + n)/(1 + df)) + 1 and unit-length rows."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

from checks.compare import assert_close
from reference import text


def test_two_documents_by_hand():
    # "a b" and "a": n = 2; df(a) = 2, df(b) = 1.
    counts = np.array([[1, 1], [1, 0]])
    # smooth idf: a: ln(3/3) + 1 = 1; b: ln(3/2) + 1.
    b = 1 + np.log(1.5)
    assert_close(np.array([1.0, b]), text.idf(counts), atol=0, rtol=1e-15, name="idf")
    # Row 0 is (1, b) over its length √(1 + b²); row 1 is (1, 0), already of length 1.
    length = np.sqrt(1 + b * b)
    assert_close(np.array([[1 / length, b / length], [1.0, 0.0]]), text.tf_idf(counts), atol=0, rtol=1e-15, name="tf_idf")
    # Unnormalised, the entries are the counts times the idf.
    assert_close(np.array([[1.0, b], [1.0, 0.0]]), text.tf_idf(counts, normalize=False), atol=0, rtol=1e-15, name="tf_idf")


def test_plain_idf_by_hand():
    # n = 4; df = 4, 2, 1: ln(4/4) + 1 = 1, ln(4/2) + 1, ln(4/1) + 1.
    counts = np.array([[2, 1, 0], [1, 0, 0], [1, 3, 5], [4, 0, 0]])
    assert_close(np.array([1.0, 1 + np.log(2), 1 + np.log(4)]), text.idf(counts, smooth=False), atol=0, rtol=1e-15, name="idf")
    # Row 2 unnormalised: 1·1, 3·(1 + ln 2), 5·(1 + ln 4).
    assert_close(
        np.array([1.0, 3 * (1 + np.log(2)), 5 * (1 + np.log(4))]), text.tf_idf(counts, smooth=False, normalize=False)[2], atol=0, rtol=1e-15
    )


def test_the_slides_sentences_by_hand():
    # n = 3. Words in one document (a, bad, film, movie): ln(4/2) + 1; in two (good, is, this, very): ln(4/3) + 1.
    counts, _ = text.bag_of_words(["This movie is very good.", "This film is a good", "Very bad. Very, very bad."])
    once, twice = 1 + np.log(2), 1 + np.log(4 / 3)
    # Row 2 is bad = 2, very = 3: (2·once, 3·twice) over its length.
    bad, very = 2 * once, 3 * twice
    length = np.hypot(bad, very)
    expected = np.zeros(8)
    expected[[1, 7]] = bad / length, very / length
    assert_close(expected, text.tf_idf(counts)[2], atol=0, rtol=1e-14, name="tf_idf[2]")


def test_scikit_learns_published_example():
    # scikit-learn User Guide, "Tf–idf term weighting": these counts with the default smooth idf give rows whose
    # first is [0.85151335, 0, 0.52433293], and with smooth_idf=False [0.81940995, 0, 0.57320793].
    counts = [[3, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0], [3, 0, 2]]
    published = [[0.85151335, 0, 0.52433293], [1, 0, 0], [1, 0, 0], [1, 0, 0], [0.55422893, 0.83236428, 0], [0.63035731, 0, 0.77630514]]
    assert_close(np.array(published), text.tf_idf(counts), atol=5e-9, rtol=0, name="tf_idf")
    assert_close(np.array([0.81940995, 0, 0.57320793]), text.tf_idf(counts, smooth=False)[0], atol=5e-9, rtol=0, name="tf_idf[0]")


@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5), elements=hnp.from_dtype(np.dtype(np.int8), min_value=0)))
def test_rows_have_unit_length_or_stay_zero_and_never_go_negative(counts):
    x = text.tf_idf(counts)
    lengths = np.linalg.norm(x, axis=1)
    nonzero = counts.any(axis=1)
    assert_close(np.where(nonzero, 1.0, 0.0), lengths, atol=1e-12, rtol=0, name="row lengths")
    assert np.all(x >= 0)
    assert np.array_equal(x > 0, counts > 0)


def test_a_word_no_document_contains_has_no_plain_idf():
    with pytest.raises(ValueError, match=r"counts has columns \[1\] that no document contains"):
        text.idf([[1, 0], [2, 0]], smooth=False)


def test_fractional_counts_raise():
    with pytest.raises(ValueError, match="counts has dtype float64 with fractions"):
        text.tf_idf([[0.5, 1.0]])
