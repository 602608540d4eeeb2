"""The feature-family registry: declarations, their checks, and a family added from one file outside framing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from framing.errors import FramingError
from framing.families import Family, Section, family, register, registry
from framing.families.lexicon import LexiconConfig


def test_the_built_in_families_in_pipeline_order() -> None:
    table = {name: (declared.kind, declared.resources, declared.wants_groups) for name, declared in registry().items()}
    assert table == {
        "text_scores": ("text_score", (), True),
        "word": ("ngram", (), False),
        "char": ("ngram", (), False),
        "lexicon": ("lexicon", ("lexicons",), False),
        "attribution": ("attribution", ("gazetteer",), False),
        "style": ("style", ("evaluative",), False),
    }
    assert list(table) == ["text_scores", "word", "char", "lexicon", "attribution", "style"]


def test_the_config_schema_and_resource_keys_come_from_the_registry() -> None:
    from framing.config import RESOURCE_KEYS, FeaturesConfig

    assert list(FeaturesConfig.model_fields) == list(registry())
    assert RESOURCE_KEYS == (
        ("clean", "patterns"),
        ("features", "lexicon", "lexicons"),
        ("features", "attribution", "gazetteer"),
        ("features", "style", "evaluative"),
    )
    features = FeaturesConfig()
    assert (features.word.enabled, features.word.analyzer, features.char.analyzer, features.char.max_features) == (False, "word", "char_wb", 100_000)


def test_a_family_this_install_lacks_is_described_by_name_and_value() -> None:
    unknown = family("gone")
    assert (unknown.name, unknown.kind) == ("gone", "gone")
    assert unknown.describe(None, "x", 2.5) == ("gone feature x = 2.5", [])  # type: ignore[arg-type]
    assert family("gone") is unknown


class _Ok(Section):
    enabled: bool = True
    path: str | None = None


class _NoSwitch(Section):
    path: str | None = None


def _declare(**attributes: object) -> type[Family]:
    return type("Declared", (Family,), {"name": "extra_thing", "kind": "extra", "config": _Ok, **attributes})


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (int, "@register takes a subclass of framing.families.Family, got <class 'int'>."),
        (type("Bare", (Family,), {"kind": "x", "config": _Ok}), "Feature family Bare does not set name."),
        (_declare(name="Extra-Thing"), "Feature family Declared has name 'Extra-Thing': expected lower-case words joined by '_', e.g. 'quote_marks'."),
        (_declare(name="two__parts"), "Feature family Declared has name 'two__parts': expected lower-case words joined by '_', e.g. 'quote_marks'."),
        (_declare(config=_NoSwitch), "Feature family 'extra_thing': config must be a framing.families.Section with an 'enabled' field."),
        (_declare(config=dict), "Feature family 'extra_thing': config must be a framing.families.Section with an 'enabled' field."),
        (_declare(resources=("paths",)), "Feature family 'extra_thing': resources names ['paths'], which are not fields of its config."),
        (
            _declare(name="lexicon", config=LexiconConfig),
            "Two feature families are named 'lexicon': framing.families.lexicon.Lexicon and test_families.Declared.",
        ),
    ],
)
def test_register_rejects_a_bad_declaration(declared: type[Family], message: str) -> None:
    with pytest.raises(FramingError) as caught:
        register(declared)
    assert str(caught.value) == message
    assert "extra_thing" not in registry() and type(registry()["lexicon"]).__module__ == "framing.families.lexicon"


def test_reading_a_config_imports_no_transformer() -> None:
    code = (
        "import sys\n"
        "from framing.config import load_config\n"
        f"load_config({str(ROOT / 'configs' / 'stance.yaml')!r}, ['features.word.enabled=true'])\n"
        "print(sorted(m for m in ('sklearn', 'lightgbm', 'framing.features.lexicon', 'framing.pipeline') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# -- a family from another package: one file and its resource -----------------------------------
PLUGIN = '''\
"""Amounts with a unit ("40 persen"): a feature family declared and implemented in one file."""
import re

import numpy as np
import yaml
from sklearn.base import BaseEstimator, TransformerMixin

from framing.families import Family, Section, register


class AmountsConfig(Section):
    enabled: bool = False
    units: str | None = None  # a YAML list of unit words


class Amounts(TransformerMixin, BaseEstimator):
    def __init__(self, *, units=None):
        self.units = units

    def fit(self, X, y=None):
        with open(self.units, encoding="utf-8") as handle:
            words = yaml.safe_load(handle)
        self.pattern_ = re.compile(r"\\b\\d+ (?:" + "|".join(map(re.escape, words)) + r")\\b")
        return self

    def find(self, doc):
        return [m.span() for m in self.pattern_.finditer(doc)]

    def transform(self, X):
        return np.array([[len(self.find(str(doc)))] for doc in X], dtype=float)

    def get_feature_names_out(self, input_features=None):
        return np.array(["amounts__count"], dtype=object)


@register
class AmountsFamily(Family):
    name, kind, config, resources = "amounts", "amount", AmountsConfig, ("units",)

    def build(self, section, seed):
        return Amounts(units=section.units)

    def describe(self, reading, column, value):
        spans = reading.transformer(self.name).find(reading.doc)
        return f"{len(spans)} amounts with a unit", [{"text": reading.doc[a:b], "start": a, "end": b} for a, b in spans]
'''

CHILD = """\
import json, sys
import numpy as np
from framing.config import ConfigError, load_config
from framing.families import registry
from framing.model import FramingModel
from framing.pipeline import build_pipeline, fit_pipeline

config, overrides = sys.argv[1], sys.argv[2:]
out = {"families": list(registry())}
try:
    load_config(config, ["features.amounts.unit=x"])
except ConfigError as exc:
    out["error"] = str(exc).splitlines()[1].strip()
cfg = load_config(config, overrides)
out["units"] = cfg.features.amounts.units
pipeline = build_pipeline(cfg)
out["steps"] = [name for name, step in pipeline.named_steps["features"].transformer_list if step != "drop"]
texts = [f"Harga naik {n} persen di Jakarta pekan ini." if n % 2 else f"Harga naik lagi di Jakarta pada hari ke-{n}." for n in range(1, 41)]
labels = np.array(["angka" if n % 2 else "kata" for n in range(1, 41)])
fit_pipeline(pipeline, texts, labels)
model = FramingModel(pipeline)
out["names"] = model.feature_names_out()
article = "Kata pejabat itu,  inflasi  naik 12 persen."
out["predicted"] = model.predict([article]).tolist()
(item,) = model.explain([article], 1)[0]
out["item"] = {k: item[k] for k in ("feature", "kind", "description")}
out["spans"] = [(c["text"], c["start"], c["end"], article[c["start"]:c["end"]]) for c in item["cues"]]
print(json.dumps(out))
"""


def _site(root: Path, name: str, entry: str) -> Path:
    """A folder importable on ``PYTHONPATH`` holding an installed distribution that names ``entry``
    under the ``framing.families`` entry-point group."""
    site = root / "site"
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[framing.families]\n{name} = {entry}\n", encoding="utf-8")
    return site


def _run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**__import__("os").environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=site.parent, env=env, timeout=300)


def test_a_family_in_one_file_of_another_package_trains_and_explains(tmp_path: Path) -> None:
    site = _site(tmp_path, "amounts", "amounts_family")
    (site / "amounts_family.py").write_text(PLUGIN, encoding="utf-8")
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "units.yaml").write_text("[persen, juta]\n", encoding="utf-8")
    (configs / "run.yaml").write_text(
        textwrap.dedent(
            """\
            name: amounts
            data: {paths: [demo], label: stance}
            tracking: {experiment: amounts, model_name: amounts}
            features:
              text_scores: {enabled: false}
              lexicon: {enabled: false}
              attribution: {enabled: false}
              style: {enabled: false}
              amounts: {enabled: true, units: units.yaml}
            model: {n_estimators: 5, min_child_samples: 2, colsample_bytree: 1.0}
            """
        ),
        encoding="utf-8",
    )
    child = tmp_path / "child.py"
    child.write_text(CHILD, encoding="utf-8")
    result = _run(site, str(child), str(configs / "run.yaml"))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["families"] == ["text_scores", "word", "char", "lexicon", "attribution", "style", "amounts"]
    assert out["error"] == "features.amounts.unit: unknown key; check its spelling and the section it is in"
    assert out["units"] == str(configs / "units.yaml")  # a resource field resolves against the config's folder
    assert out["steps"] == ["amounts"]
    assert out["names"] == ["amounts__count"]
    assert out["predicted"] == ["angka"]
    assert out["item"] == {"feature": "amounts__count", "kind": "amount", "description": "1 amounts with a unit"}
    assert out["spans"] == [["12 persen", 33, 42, "12 persen"]]


def test_an_entry_point_that_does_not_load_is_named_in_the_error(tmp_path: Path) -> None:
    site = _site(tmp_path, "broken", "no_such_module")
    message = (
        "Cannot load feature family 'broken' (no_such_module), named by the "
        "'framing.families' entry point of an installed package: No module named 'no_such_module'."
    )
    code = f"from framing.config import load_config\nload_config({str(ROOT / 'configs' / 'stance.yaml')!r})"
    result = _run(site, "-c", code)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"framing.errors.FramingError: {message}"
    # The command line says so in one line, without a traceback.
    cli = _run(site, "-c", "import sys; sys.argv = ['framing', 'train', '--config', 'x.yaml']; from framing.cli import main; main()")
    assert (cli.returncode, " ".join(cli.stderr.split())) == (2, f"error: {message}")


def test_a_family_registered_after_the_config_schema_is_built_is_refused(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """\
        import framing.config
        from framing.errors import FramingError
        from framing.families import Family, Section, register

        class LateConfig(Section):
            enabled: bool = False

        try:
            @register
            class Late(Family):
                name, kind, config = "late", "late", LateConfig
        except FramingError as exc:
            print(exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Feature family 'late' (__main__) was registered after framing.config built the config schema, so no config could "
        "turn it on. Declare it in a module named by a 'framing.families' entry point, and do not import framing.config "
        "at the top of that module."
    )
