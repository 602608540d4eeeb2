"""The scikit-learn estimator contract, checked for every extractor (``check_estimator`` skips
estimators that take raw text, so we check it ourselves)."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from framing.clean import TextCleaner
from framing.features.attribution import AttributionFeatures
from framing.features.lexicon import LexiconFeatures
from framing.features.style import StyleFeatures

DOCS = [
    "Menurut kantor berita Interfax, delegasi Rusia tiba di Teheran pada Senin (5/8/2024).",
    "“Rezim Zionis harus menghentikan kesombongannya,” kata juru bicara Kementerian Luar Negeri Iran.",
    "Kita patut bertanya: apakah hegemoni AS benar-benar berakhir? Sejumlah sumber membantah laporan itu!",
    "",
]

EXTRACTORS: dict[str, Callable[[], object]] = {
    "lexicon": lambda: LexiconFeatures(min_term_count=1),
    "attribution": lambda: AttributionFeatures(),
    "style": lambda: StyleFeatures(),
}


@pytest.fixture(params=sorted(EXTRACTORS))
def make(request: pytest.FixtureRequest) -> Callable[[], object]:
    return EXTRACTORS[request.param]


def test_clone_and_params_round_trip(make) -> None:  # noqa: ANN001
    extractor = make()
    params = extractor.get_params()
    assert clone(extractor).get_params() == params
    key = sorted(params)[0]
    assert extractor.set_params(**{key: params[key]}) is extractor


def test_init_only_stores_arguments(make) -> None:  # noqa: ANN001
    extractor = make()
    assert not [name for name in vars(extractor) if name.endswith("_") and not name.startswith("_")]


def test_not_fitted_error(make) -> None:  # noqa: ANN001
    with pytest.raises(NotFittedError):
        make().transform(DOCS)


def test_fit_returns_self_and_names_match_columns(make) -> None:  # noqa: ANN001
    extractor = make()
    assert extractor.fit(DOCS) is extractor
    X = extractor.transform(DOCS)
    names = extractor.get_feature_names_out()
    assert X.shape == (len(DOCS), len(names)) and X.dtype == np.float64
    assert len(set(names)) == len(names)
    assert all(name.startswith(f"{extractor.family}__") for name in names)
    assert np.isfinite(X).all()


def test_empty_document_gives_a_row_of_zeros_for_counts(make) -> None:  # noqa: ANN001
    extractor = make().fit(DOCS)
    row = extractor.transform([""])[0]
    assert row.shape == (len(extractor.get_feature_names_out()),)
    assert not row.any()


def test_pickle_round_trip_gives_identical_output(make) -> None:  # noqa: ANN001
    extractor = make().fit(DOCS)
    again = pickle.loads(pickle.dumps(extractor))
    np.testing.assert_array_equal(again.transform(DOCS), extractor.transform(DOCS))


def test_deterministic(make) -> None:  # noqa: ANN001
    one = make().fit(DOCS)
    two = make().fit(DOCS)
    np.testing.assert_array_equal(one.transform(DOCS), two.transform(DOCS))
    np.testing.assert_array_equal(one.transform(DOCS), one.transform(DOCS))
    assert list(one.get_feature_names_out()) == list(two.get_feature_names_out())


def test_bare_string_is_a_type_error(make) -> None:  # noqa: ANN001
    extractor = make().fit(DOCS)
    with pytest.raises(TypeError, match=r"Expected a list of documents, got a single str: wrap it in a list"):
        extractor.transform(DOCS[0])
    with pytest.raises(TypeError, match=r"Expected a list of documents, got a single str"):
        make().fit(DOCS[0])


def test_cleaned_documents_are_accepted(make) -> None:  # noqa: ANN001
    cleaned = TextCleaner().fit(DOCS).transform(DOCS)
    extractor = make().fit(cleaned)
    assert extractor.transform(cleaned).shape[0] == len(DOCS)


def test_cleaner_contract() -> None:
    cleaner = TextCleaner()
    assert clone(cleaner).get_params() == cleaner.get_params()
    with pytest.raises(NotFittedError):
        cleaner.transform(DOCS)
    assert cleaner.fit(DOCS) is cleaner
    out = cleaner.transform(DOCS)
    assert [str(d) for d in pickle.loads(pickle.dumps(cleaner)).transform(DOCS)] == [str(d) for d in out]
    with pytest.raises(TypeError, match="got a single str"):
        cleaner.transform(DOCS[0])
