"""Bag of words: the DIC Day 29 "What was BoW?" table and its sparse listing come out of the three sample sentences."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from reference import text

# The sample corpus behind the table of DIVE INTO CODE, Day 29 slides, "RNN (Recurrent Neural Network) / What was BoW?".
SENTENCES = ["This movie is very good.", "This film is a good", "Very bad. Very, very bad."]

# The table's columns, as the slide heads them.
DOCUMENT_COLUMNS = ["a", "bad", "film", "good", "is", "movie", "this", "very"]

# The slide's sparse listing, in the slide's order: (row, column) then the count.
DOCUMENT_LISTING = [
    ((0, 3), 1),
    ((0, 7), 1),
    ((0, 4), 1),
    ((0, 5), 1),
    ((0, 6), 1),
    ((1, 0), 1),
    ((1, 2), 1),
    ((1, 3), 1),
    ((1, 4), 1),
    ((1, 6), 1),
    ((2, 1), 2),
    ((2, 7), 3),
]

# The slide's table rows as they appear in the plain text: a row label, then seven counts under eight column heads.
# Every row has lost one cell in the text; the full rows are the table below, which the listing and the sentences agree on.
DOCUMENT_TABLE_AS_PRINTED = {0: [0, 0, 0, 1, 1, 1, 1], 1: [1, 0, 1, 1, 1, 0, 1], 2: [0, 2, 0, 0, 0, 0, 3]}
TABLE = np.array(
    [
        #  a  bad film good is movie this very
        [0, 0, 0, 1, 1, 1, 1, 1],  # this movie is very good
        [1, 0, 1, 1, 1, 0, 1, 0],  # this film is a good
        [0, 2, 0, 0, 0, 0, 0, 3],  # very bad very very bad
    ]
)


def test_the_tokenizer_lowercases_and_splits_on_anything_but_letters():
    assert text.tokenize("Very bad. Very, very bad.") == ["very", "bad", "very", "very", "bad"]
    assert text.tokenize("don't stop-2-go_now") == ["don", "t", "stop", "go", "now"]
    assert text.tokenize("Ça   va?") == ["ça", "va"]
    assert text.tokenize("... 42 ...") == []


def test_the_vocabulary_is_the_slides_column_heads_in_order():
    assert text.vocabulary(SENTENCES) == DOCUMENT_COLUMNS


def test_the_counts_are_the_slides_table():
    counts, words = text.bag_of_words(SENTENCES)
    assert words == DOCUMENT_COLUMNS
    assert counts.dtype == np.int64
    assert np.array_equal(counts, TABLE)


def test_each_printed_row_of_the_slides_table_is_the_count_row_with_one_cell_dropped():
    counts, _ = text.bag_of_words(SENTENCES)
    for row, printed in DOCUMENT_TABLE_AS_PRINTED.items():
        full = counts[row].tolist()
        assert any(full[:j] + full[j + 1 :] == printed for j in range(len(full))), (row, full, printed)


def test_the_table_agrees_with_the_slides_sparse_listing():
    dense = np.zeros((3, 8), dtype=int)
    for (row, column), count in DOCUMENT_LISTING:
        dense[row, column] = count
    assert np.array_equal(TABLE, dense)


def test_the_sparse_listing_holds_the_slides_entries_row_by_row():
    # The slide lists row 0's columns as 3, 7, 4, 5, 6: the order an old scikit-learn left them in, which no count
    # matrix determines. The listing here is row by row with columns ascending, as scipy prints a canonical matrix.
    counts, _ = text.bag_of_words(SENTENCES)
    listing = text.sparse_rows(counts)
    assert sorted(listing) == sorted((r, c, n) for (r, c), n in DOCUMENT_LISTING)
    assert listing == sorted(listing)
    assert [r for r, _, _ in listing] == [r for (r, _), _ in DOCUMENT_LISTING]


def test_a_given_vocabulary_fixes_the_columns_and_ignores_other_words():
    counts, words = text.bag_of_words(SENTENCES, vocabulary=["very", "good", "excellent"])
    assert words == ["very", "good", "excellent"]
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [3, 0, 0]]


@given(st.lists(st.text(alphabet="ab ,.Z1", max_size=12), min_size=1, max_size=4))
def test_each_row_sums_to_the_documents_token_count_and_the_listing_rebuilds_the_matrix(docs):
    counts, words = text.bag_of_words(docs)
    assert counts.sum(axis=1).tolist() == [len(text.tokenize(d)) for d in docs]
    assert words == sorted(set(words))
    rebuilt = np.zeros_like(counts)
    for r, c, n in text.sparse_rows(counts):
        assert n > 0
        rebuilt[r, c] = n
    assert np.array_equal(rebuilt, counts)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: text.bag_of_words("This movie is very good."), "is a single string; expected a list of documents"),
        (lambda: text.bag_of_words(["ok", 3]), r"docs\[1\]=3 has type int; expected every document to be a str"),
        (lambda: text.bag_of_words(["ok"], vocabulary=["ok", "ok"]), "vocabulary repeats 'ok'"),
        (lambda: text.sparse_rows([1, 2]), r"counts has shape \(2,\); expected 2 axes"),
        (lambda: text.sparse_rows([[1, -1]]), "counts has a negative entry -1"),
        (lambda: text.tokenize(None), "text=None has type NoneType; expected a str"),
    ],
    ids=["single-string", "non-string-document", "repeated-word", "one-axis-counts", "negative-count", "none-text"],
)
def test_bad_arguments_raise_value_error_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()
