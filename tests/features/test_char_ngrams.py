"""The word-by-word character n-gram TF-IDF gives scikit-learn's ``char_wb`` TF-IDF exactly."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer

from framing.features.char_ngrams import CharTfidfVectorizer
from tests.conftest import DATA, needs_data

# Runs of mixed whitespace, one- and two-letter words, capitals, non-ASCII letters and
# punctuation glued to words: everything char_wb treats specially.
DOCS = [
    "Rezim  Zionis\tmenyerang;  kata-nya  di Gaza.",
    "Menurut Interfax,\n\npejabat Rusia  membantah. A b c",
    "  mengutip Reuters: “kesombongan” Amerika\u00a0Serikat  ",
    "Ü é ß ĳ — çok rezim",
    "a",
    "",
]
# A test side with words the training side never saw (their n-grams still count).
UNSEEN = ["Zionisme baru", "Interfaxnya kata Reuters", "", "   "]

SETTINGS = [
    {"ngram_range": (2, 5)},
    {"ngram_range": (1, 3), "min_df": 2},
    {"ngram_range": (2, 4), "min_df": 0.3, "sublinear_tf": True, "dtype": np.float32},
    {"ngram_range": (3, 3), "max_features": 7},  # many n-grams tie on their total count
]


def _both(settings: dict) -> tuple[TfidfVectorizer, CharTfidfVectorizer]:
    return TfidfVectorizer(analyzer="char_wb", **settings), CharTfidfVectorizer(**settings)


@pytest.mark.parametrize("settings", SETTINGS)
def test_features_and_matrices_equal_scikit_learns(settings: dict) -> None:
    slow, fast = _both(settings)
    expected, got = slow.fit_transform(DOCS), fast.fit_transform(DOCS)
    assert fast.get_feature_names_out().tolist() == slow.get_feature_names_out().tolist()
    assert fast.vocabulary_ == slow.vocabulary_
    np.testing.assert_array_equal(fast.idf_, slow.idf_)
    assert got.dtype == expected.dtype
    assert abs(got - expected).max() <= 1e-6
    assert abs(fast.transform(UNSEEN) - slow.transform(UNSEEN)).max() <= 1e-6
    assert fast.transform(UNSEEN).shape == (len(UNSEEN), len(slow.vocabulary_))


def test_max_features_keeps_the_same_tied_columns() -> None:
    slow, fast = _both({"ngram_range": (3, 3), "max_features": 7})
    slow.fit(DOCS)
    fast.fit(DOCS)
    assert fast.get_feature_names_out().tolist() == slow.get_feature_names_out().tolist()
    assert len(fast.vocabulary_) == 7


def test_nothing_left_after_min_df_is_scikit_learns_error() -> None:
    with pytest.raises(ValueError, match=r"^After pruning, no terms remain\. Try a lower min_df or a higher max_df\.$"):
        CharTfidfVectorizer(min_df=50).fit(DOCS)
    with pytest.raises(ValueError, match="empty vocabulary"):
        CharTfidfVectorizer().fit(["", "  "])


def test_unfitted_transform_and_pickle_round_trip() -> None:
    with pytest.raises(NotFittedError):
        CharTfidfVectorizer().transform(DOCS)
    fitted = CharTfidfVectorizer(ngram_range=(2, 3)).fit(DOCS)
    again = pickle.loads(pickle.dumps(fitted))
    assert abs(again.transform(UNSEEN) - fitted.transform(UNSEEN)).max() == 0
    assert (fitted.analyzer, fitted.lowercase) == ("char_wb", True)


@needs_data
def test_equal_on_real_news() -> None:
    import json

    path = DATA / "indosum" / "dev.01.jsonl"
    docs = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            paragraphs = record.get("paragraphs") or []
            docs.append(" ".join(" ".join(" ".join(sentence) for sentence in paragraph) for paragraph in paragraphs))
            if len(docs) == 400:
                break
    train, test = docs[:300], docs[300:]
    settings = {"ngram_range": (2, 5), "min_df": 2, "max_features": 20_000, "sublinear_tf": True, "dtype": np.float32}
    slow, fast = _both(settings)
    expected, got = slow.fit_transform(train), fast.fit_transform(train)
    assert fast.get_feature_names_out().tolist() == slow.get_feature_names_out().tolist()
    assert abs(got - expected).max() == 0
    assert abs(fast.transform(test) - slow.transform(test)).max() == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_counts_multiplied_in_the_float_type_equal_the_integer_product(dtype: type) -> None:
    from scipy.sparse import csr_matrix

    fast = CharTfidfVectorizer(dtype=dtype)
    words = csr_matrix(np.array([[3, 0, 1], [0, 0, 0], [2, 5, 0]], dtype=np.int32))
    grams = csr_matrix(np.array([[1, 0, 2, 0], [0, 1, 1, 0], [4, 0, 0, 1]], dtype=np.int32))
    got = fast._counts(words, grams)
    assert got.dtype == dtype and got.has_sorted_indices
    np.testing.assert_array_equal(got.toarray(), (words @ grams).toarray().astype(dtype))
    # Past float32's exact integers, 2**24 + 1 + 1 summed in float32 stays 2**24: such counts are
    # multiplied as integers, then converted (2**24 + 2 is a float32).
    big = csr_matrix(np.array([[2**24, 1, 1]], dtype=np.int32))
    huge = fast._counts(big, csr_matrix(np.ones((3, 1), dtype=np.int32)))
    assert huge.toarray().tolist() == [[2**24 + 2]]


@pytest.mark.parametrize("settings", SETTINGS)
def test_rows_computed_on_demand_are_exactly_the_matrix_rows(settings: dict) -> None:
    expected = CharTfidfVectorizer(**settings).fit_transform(DOCS)
    fast = CharTfidfVectorizer(**settings)
    rows = fast.fit_rows(DOCS)
    assert rows.shape == expected.shape and fast.vocabulary_ == CharTfidfVectorizer(**settings).fit(DOCS).vocabulary_
    for index in (np.array([0, 2, 3, 5]), np.array([1]), np.arange(len(DOCS))):
        got = rows[index]
        assert got.dtype == expected.dtype
        assert (got != expected[index]).nnz == 0
        np.testing.assert_array_equal(got.indices, expected[index].indices)
    assert (rows.tocsr() != expected).nnz == 0
