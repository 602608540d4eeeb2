from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from framing.config import ConfigError, flatten, load_config, parse_override
from framing.errors import FramingError

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """\
name: tiny
data:
  paths: [corpus.jsonl]
  label: stance
tracking: {experiment: tiny, model_name: tiny-model}
"""


def write(tmp_path: Path, text: str, name: str = "run.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["stance.yaml", "outlet_style.yaml"])
def test_shipped_configs_validate_and_point_at_the_demo_corpus(name: str) -> None:
    config = load_config(ROOT / "configs" / name)
    assert [Path(p).resolve() for p in config.data.paths] == [ROOT / "framing" / "data" / "demo_corpus.jsonl"]
    assert config.split.kind == "group" and config.split.group_column == "outlet"


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.data.paths == [str(tmp_path / "corpus.jsonl")]
    assert config.model.learning_rate == 0.05  # defaults fill the rest


def test_unknown_key_names_file_and_key_path(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "model: {learning_rat: 0.1}\n")
    with pytest.raises(ConfigError, match=r"run\.yaml: invalid config \(1 problem\)\n  model\.learning_rat: unknown key"):
        load_config(path)


def test_wrong_type_names_key_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "model: {n_estimators: many}\n")
    with pytest.raises(ConfigError, match=r"model\.n_estimators: Input should be a valid integer.*\(got 'many'\)"):
        load_config(path)


def test_missing_required_section(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\ndata: {paths: [a.jsonl]}\n")
    with pytest.raises(ConfigError, match=r"  tracking: required key is missing"):
        load_config(path)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\ndata: [unclosed\n")
    with pytest.raises(ConfigError, match=r"run\.yaml: line 3, column 1: not valid YAML"):
        load_config(path)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match=r"Cannot read config 'nope\.yaml'"):
        load_config("nope.yaml")


def test_all_feature_families_disabled_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    with pytest.raises(ConfigError, match="every feature family is disabled"):
        load_config(path, [f"features.{name}.enabled=false" for name in ("text_scores", "word", "char", "lexicon", "attribution", "style")])


def test_resource_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    text = MINIMAL + "clean: {patterns: cleaning.yaml}\nfeatures: {lexicon: {lexicons: lex}, attribution: {gazetteer: /abs/g.yaml}}\n"
    config = load_config(write(tmp_path, text))
    assert config.clean.patterns == str(tmp_path / "cleaning.yaml")
    assert config.features.lexicon.lexicons == str(tmp_path / "lex")
    assert config.features.attribution.gazetteer == "/abs/g.yaml"
    assert config.features.style.evaluative is None  # the extractor's own default


def test_default_names_the_packaged_resources_and_other_values_stay_paths(tmp_path: Path) -> None:
    from framing.clean import TextCleaner
    from framing.features._text import RESOURCES
    from framing.features.attribution import AttributionFeatures
    from framing.features.lexicon import LexiconFeatures

    text = MINIMAL + "clean: {patterns: default}\nfeatures: {lexicon: {lexicons: default}, attribution: {gazetteer: my/g.yaml}}\n"
    config = load_config(write(tmp_path, text))
    assert config.clean.patterns == "default" and config.features.lexicon.lexicons == "default"
    assert config.features.attribution.gazetteer == str(tmp_path / "my" / "g.yaml")
    # The extractors read "default" as the file shipped in framing/resources, not tmp_path/default.
    assert TextCleaner(patterns=config.clean.patterns).fit([]).path_ == str(RESOURCES / "cleaning.yaml")
    sources = {Path(term.source) for term in LexiconFeatures(lexicons=config.features.lexicon.lexicons).fit([""]).lexicon_}
    assert sources == set((RESOURCES / "lexicons").glob("*.yaml")) and len(sources) == 10
    with pytest.raises(FramingError, match=re.escape(f"Got gazetteer={str(tmp_path / 'my' / 'g.yaml')!r}, expected an existing YAML file")):
        AttributionFeatures(gazetteer=config.features.attribution.gazetteer).fit([])


def test_demo_names_the_packaged_demo_corpus_in_the_file_and_in_overrides(tmp_path: Path) -> None:
    from framing.demo import DEMO_CORPUS

    config = load_config(write(tmp_path, MINIMAL.replace("[corpus.jsonl]", "[demo, demo.jsonl]")))
    assert config.data.paths == [str(DEMO_CORPUS), str(tmp_path / "demo.jsonl")]
    assert load_config(write(tmp_path, MINIMAL), ["data.paths=demo"]).data.paths == [str(DEMO_CORPUS)]
    assert DEMO_CORPUS.is_file()


def test_document_frequency_bounds(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert load_config(path, ["features.word.max_df=5"]).features.word.max_df == 5
    with pytest.raises(ConfigError, match=r"features\.word\.min_df: Value error, a share of documents must be in \(0, 1\], got 1\.5"):
        load_config(path, ["features.word.min_df=1.5"])
    with pytest.raises(ConfigError, match=r"features\.char\.min_df: Value error, a count of documents must be at least 1, got 0"):
        load_config(path, ["features.char.min_df=0"])


def test_bad_ngram_range(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"features\.word\.ngram_range: Value error, expected 1 <= low <= high, got \[3, 1\]"):
        load_config(write(tmp_path, MINIMAL), ["features.word.ngram_range=[3, 1]"])


@pytest.mark.parametrize(
    ("text", "keys", "value"),
    [
        ("model.learning_rate=0.1", ["model", "learning_rate"], 0.1),
        ("model.n_estimators=50", ["model", "n_estimators"], 50),
        ("tracking.register_model=false", ["tracking", "register_model"], False),
        ("features.word.ngram_range=[1, 3]", ["features", "word", "ngram_range"], [1, 3]),
        ("split.cutoff=2024-06-01", ["split", "cutoff"], date(2024, 6, 1)),
        ("name=a=b", ["name"], "a=b"),
        ("model.params={min_data_in_bin: 1}", ["model", "params"], {"min_data_in_bin": 1}),
        ("name=", ["name"], ""),
    ],
)
def test_parse_override(text: str, keys: list[str], value: object) -> None:
    assert parse_override(text) == (keys, value)


@pytest.mark.parametrize("text", ["model.learning_rate", "=1", "model..x=1", ".a=1"])
def test_parse_override_rejects_malformed(text: str) -> None:
    with pytest.raises(ConfigError, match=r"expected KEY=VALUE with a dotted key"):
        parse_override(text)


def test_overrides_apply_and_errors_mention_them(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    config = load_config(path, ["model.learning_rate=0.2", "split.kind=random", "data.paths=other.csv"])
    assert config.model.learning_rate == 0.2
    assert config.split.kind == "random"
    assert config.data.paths == ["other.csv"]  # typed on the command line: relative to the cwd
    with pytest.raises(ConfigError, match=r"\(with --set split\.kind=sideways\).*\n  split\.kind: Input should be 'random', 'group' or 'time'"):
        load_config(path, ["split.kind=sideways"])
    with pytest.raises(ConfigError, match=r"model\.colour: unknown key"):
        load_config(path, ["model.colour=red"])
    with pytest.raises(ConfigError, match=r"cannot set name\.x: name is a str, not a section"):
        load_config(path, ["name.x=1"])


def test_classes_without_label(tmp_path: Path) -> None:
    text = MINIMAL.replace("  label: stance\n", "  classes: [a, b]\n")
    with pytest.raises(ConfigError, match=r"data\.classes is set but data\.label is not"):
        load_config(write(tmp_path, text))


def test_other_labels_values(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert load_config(path).data.other_labels == "error"
    assert load_config(path, ["data.classes=[a, b]", "data.other_labels=reject"]).data.other_labels == "reject"
    with pytest.raises(ConfigError) as caught:
        load_config(path, ["data.classes=[a, b]", "data.other_labels=drop"])
    assert str(caught.value).splitlines()[1:] == ["  data.other_labels: Input should be 'error' or 'reject' (got 'drop')"]
    with pytest.raises(ConfigError, match=r"\n  data: Value error, data\.other_labels=reject needs data\.classes: list the classes to keep \(got \{"):
        load_config(path, ["data.other_labels=reject"])


def test_flatten_gives_dotted_params() -> None:
    flat = flatten({"model": {"learning_rate": 0.1, "params": {}}, "features": {"word": {"ngram_range": (1, 2)}}, "seed": 1})
    assert flat == {"model.learning_rate": 0.1, "model.params": "{}", "features.word.ngram_range": "[1, 2]", "seed": 1}


SPACE_ERRORS = [
    (
        "{model.num_leaves: {int: [1, 8]}}",
        "  tune.space.model.num_leaves: the value 1 makes an invalid config: model.num_leaves: Input should be greater than or equal to 2 (got 1)",
    ),
    (
        "{model.num_leafs: {int: [2, 8]}}",
        "  tune.space.model.num_leafs: the value 2 makes an invalid config: model.num_leafs: unknown key; check its spelling and the section it is in",
    ),
    (
        "{split.test_size: {float: [0.1, 0.3]}}",
        "  tune.space: Value error, 'split.test_size': expected a dotted key in one of the sections clean, features, model, blend, calibration (e.g. model.learning_rate) (got {'split.test_size': {'float': [0.1, 0.3]}})",
    ),
    (
        "{model.learning_rate: {float: [0.1, 0.01]}}",
        "  tune.space.model.learning_rate: Value error, expected low < high, got [0.1, 0.01] (got {'float': [0.1, 0.01]})",
    ),
    (
        "{model.learning_rate: {float: [0.0, 0.1], log: true}}",
        "  tune.space.model.learning_rate: Value error, a log scale needs low > 0, got 0.0 (got {'float': [0.0, 0.1], 'log': True})",
    ),
    (
        "{model.num_leaves: {int: [4, 8], choices: [4]}}",
        "  tune.space.model.num_leaves: Value error, give exactly one of int: [low, high], float: [low, high] or choices: [...], got ['int', 'choices'] (got {'int': [4, 8], 'choices': [4]})",
    ),
    (
        "{features.word.ngram_range: {choices: [[1, 1], [2, 1]]}}",
        "  tune.space.features.word.ngram_range: the value [2, 1] makes an invalid config: features.word.ngram_range: Value error, expected 1 <= low <= high, got [2, 1] (got [2, 1])",
    ),
]


@pytest.mark.parametrize(("space", "message"), SPACE_ERRORS)
def test_search_space_errors_name_the_key(space: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(ROOT / "configs" / "stance.yaml", [f"tune.space={space}"])
    assert str(caught.value).splitlines()[1:] == [message]


def test_search_space_of_the_shipped_stance_config() -> None:
    tune = load_config(ROOT / "configs" / "stance.yaml").tune
    assert tune.trials == 30 and tune.pruner.kind == "median"
    assert tune.space["model.learning_rate"].float_range == (0.02, 0.2) and tune.space["model.learning_rate"].log
    assert tune.space["features.text_scores.word_ngram_range"].choices == [[1, 1], [1, 2], [1, 3]]
    assert not [key for key in tune.space if key.startswith(("features.word.", "features.char."))]  # off by default


def test_with_values_sets_keys_and_drops_the_search_space() -> None:
    from framing.config import with_values

    base = load_config(ROOT / "configs" / "stance.yaml")
    trial = with_values(base, {"model.num_leaves": 15, "features.word.ngram_range": [1, 3], "model.params.min_data_in_bin": 1})
    assert (trial.model.num_leaves, trial.features.word.ngram_range, trial.model.params) == (15, (1, 3), {"min_data_in_bin": 1})
    assert trial.tune is None and base.model.num_leaves == 7
    with pytest.raises(ConfigError, match=r"^setting model\.num_leaves=1: invalid config \(1 problem\)"):
        with_values(base, {"model.num_leaves": 1})


def test_calibration_is_temperature_where_cross_validation_folds_exist(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert load_config(path).calibration.method == "temperature"
    assert load_config(path, ["split.cv_folds=0"]).calibration.method == "none"
    assert load_config(path, ["split.cv_folds=0", "calibration.method=none"]).calibration.method == "none"
    assert load_config(path, ["calibration.method=isotonic"]).calibration.method == "isotonic"
    with pytest.raises(ConfigError, match=r"calibration\.method needs out-of-fold predictions"):
        load_config(path, ["split.cv_folds=0", "calibration.method=sigmoid"])


def test_the_default_design_stacks_text_scores_and_keeps_raw_ngrams_off(tmp_path: Path) -> None:
    features = load_config(write(tmp_path, MINIMAL)).features
    assert features.text_scores.enabled and features.text_scores.views == ["word", "char"]
    assert not features.word.enabled and not features.char.enabled
    with pytest.raises(ConfigError, match=r"features\.text_scores\.views\.0: Input should be 'word' or 'char'"):
        load_config(write(tmp_path, MINIMAL), ["features.text_scores.views=[words]"])
