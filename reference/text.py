"""Bag of words and TF-IDF, the local representations of the NLP quick review.

DIVE INTO CODE, Day 29 slides, "RNN (Recurrent Neural Network) / What was
BoW?": a corpus becomes a (documents × words) matrix of counts, one column per
word of the vocabulary, mostly zeros and so listed sparsely as (row, column)
count entries.

Tokens are the maximal runs of letters, lowercased: "Very, very bad." gives
very, very, bad. Unlike scikit-learn's default token pattern, one-letter words
are kept, since the slides' table has a column for "a". The vocabulary is the
sorted set of tokens, so column j is the j-th word in alphabetical order.

TF-IDF, with n documents, tf(d, t) the count of word t in document d and
df(t) the number of documents that contain t (scikit-learn's
``TfidfTransformer`` defaults, ``smooth_idf=True, norm="l2"``):

    idf(t) = ln((1 + n) / (1 + df(t))) + 1        smooth (as if one more document held every word once)
    idf(t) = ln(n / df(t)) + 1                     not smooth
    x(d, t) = tf(d, t) · idf(t),  then each row divided by its Euclidean norm (rows of zeros stay zeros)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]

# Letters only: [^\W\d_] is \w without digits and the underscore.
_WORD = re.compile(r"[^\W\d_]+")


def tokenize(text: str) -> list[str]:
    """The lowercased runs of letters of ``text``, in order."""
    if not isinstance(text, str):
        raise ValueError(f"text={text!r} has type {type(text).__name__}; expected a str")
    return _WORD.findall(text.lower())


def _documents(docs: Sequence[str]) -> list[str]:
    if isinstance(docs, str):
        raise ValueError(f"docs={docs!r} is a single string; expected a list of documents, such as [{docs!r}]")
    docs = list(docs)
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise ValueError(f"docs[{i}]={doc!r} has type {type(doc).__name__}; expected every document to be a str")
    return docs


def vocabulary(docs: Sequence[str]) -> list[str]:
    """The sorted distinct tokens of every document."""
    return sorted({token for doc in _documents(docs) for token in tokenize(doc)})


def bag_of_words(docs: Sequence[str], vocabulary: Sequence[str] | None = None) -> tuple[Counts, list[str]]:
    """(counts (n_docs, n_words) int64, the vocabulary): counts[d, j] is how often word j occurs in document d.

    ``vocabulary`` fixes the columns and their order (tokens outside it are
    ignored); None builds it from ``docs``.
    """
    docs = _documents(docs)
    if vocabulary is None:
        words = sorted({token for doc in docs for token in tokenize(doc)})
    else:
        if isinstance(vocabulary, str) or not all(isinstance(w, str) for w in vocabulary):
            raise ValueError(f"vocabulary={vocabulary!r} should be a list of words (str)")
        words = list(vocabulary)
        repeated = sorted({w for w in words if words.count(w) > 1})
        if repeated:
            raise ValueError(f"vocabulary repeats {', '.join(repr(w) for w in repeated)}; expected each word once")
    column = {word: j for j, word in enumerate(words)}
    counts = np.zeros((len(docs), len(words)), dtype=np.int64)
    for d, doc in enumerate(docs):
        for token in tokenize(doc):
            j = column.get(token)
            if j is not None:
                counts[d, j] += 1
    return counts, words


def _counts(counts: npt.ArrayLike) -> Counts:
    a = np.asarray(counts)
    if a.ndim != 2:
        raise ValueError(f"counts has shape {a.shape}; expected 2 axes (n_docs, n_words)")
    if not (np.issubdtype(a.dtype, np.integer) or (np.issubdtype(a.dtype, np.floating) and np.all(a == np.round(a)))):
        raise ValueError(f"counts has dtype {a.dtype} with fractions; expected whole counts")
    if np.any(a < 0):
        raise ValueError(f"counts has a negative entry {a.min()}; expected counts of at least 0")
    return a.astype(np.int64)


def sparse_rows(counts: npt.ArrayLike) -> list[tuple[int, int, int]]:
    """The nonzero entries of ``counts`` (n_docs, n_words) as (row, column, count), row by row, columns ascending."""
    a = _counts(counts)
    return [(int(r), int(c), int(a[r, c])) for r, c in np.argwhere(a)]


def idf(counts: npt.ArrayLike, *, smooth: bool = True) -> Array:
    """idf (n_words,) from ``counts`` (n_docs, n_words), by the smooth or plain formula above."""
    a = _counts(counts)
    n, df = a.shape[0], np.count_nonzero(a, axis=0)
    if smooth:
        return np.log((1 + n) / (1 + df)) + 1.0
    unseen = np.flatnonzero(df == 0)
    if unseen.size:
        raise ValueError(
            f"counts has columns {unseen.tolist()} that no document contains, so ln(n / df) is infinite; drop them or use smooth=True"
        )
    return np.log(n / df) + 1.0


def tf_idf(counts: npt.ArrayLike, *, smooth: bool = True, normalize: bool = True) -> Array:
    """(n_docs, n_words): counts times idf, each nonzero row scaled to unit Euclidean norm if ``normalize``."""
    x = _counts(counts) * idf(counts, smooth=smooth)
    if normalize:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    return x
