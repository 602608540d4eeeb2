"""The scikit-learn estimator contract, checked for every extractor (``check_estimator`` skips
estimators that take raw text, so we check it ourselves)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_estimator,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_get_params_invariance,
    check_mixin_order,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    check_valid_tag_types,
)

from framing.clean import TextCleaner
from framing.features.attribution import AttributionFeatures
from framing.features.char_ngrams import CharTfidfVectorizer
from framing.features.lexicon import LexiconFeatures
from framing.features.style import StyleFeatures
from framing.features.text_scores import TextScoreFeatures

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


# -- scikit-learn's own checks ---------------------------------------------------------------------
# Every text transformer of the pipeline, as its config builds it by default.
TEXT_TRANSFORMERS: dict[str, Callable[[], Any]] = {
    **EXTRACTORS,
    "char_ngrams": lambda: CharTfidfVectorizer(min_df=1),
    "text_scores": lambda: TextScoreFeatures(),
    "clean": lambda: TextCleaner(),
}
# The checks of check_estimator that need no numeric input; the others feed 2-D float arrays,
# which a text transformer rightly refuses (its tags say so, and check_estimator skips them).
DATA_FREE_CHECKS = [
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_valid_tag_types,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_get_params_invariance,
    check_set_params,
    check_mixin_order,
]


@pytest.mark.parametrize("name", sorted(TEXT_TRANSFORMERS))
def test_check_estimator_runs_and_skips_the_array_checks(name: str) -> None:
    estimator = TEXT_TRANSFORMERS[name]()
    tags = get_tags(estimator)
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    with pytest.warns(SkipTestWarning, match=rf"^Can't test estimator {type(estimator).__name__} which requires input"):
        check_estimator(estimator)


@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("name", sorted(TEXT_TRANSFORMERS))
def test_scikit_learn_checks_that_need_no_data(name: str, check: Callable[[str, Any], None]) -> None:
    estimator = TEXT_TRANSFORMERS[name]()
    check(type(estimator).__name__, estimator)
