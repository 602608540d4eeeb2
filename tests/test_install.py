"""A regular (non-editable) install works from any folder: resources ship in the package.

The package is built and installed with pip into a temporary ``site`` folder; every check runs in a
child interpreter whose working directory is a fresh temporary folder and from which the checkout
and the editable install are hidden, so only the installed files can be read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from conftest import ROOT, SMALL_MODEL

pytestmark = pytest.mark.integration  # pip builds and installs the package; checks run in child interpreters

# Run first in every child: hide the editable finder and every sys.path entry that would import
# framing from the checkout, then make sure framing comes from the installed copy.
PRELUDE = """\
import sys
from pathlib import Path
site = Path({site!r})
sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]
sys.path = [p for p in sys.path if Path(p).resolve() == site or (
    p not in ('', '.') and Path(p).resolve() != Path({root!r}) and not (Path(p) / 'framing' / '__init__.py').exists())]
import framing
assert Path(framing.__file__).resolve().is_relative_to(site), framing.__file__
"""


def _build_flags() -> list[str]:
    """``--no-build-isolation`` (offline) when the venv meets pyproject's build requirements."""
    from packaging.requirements import Requirement

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    for spec in requires:
        requirement = Requirement(spec)
        try:
            if not requirement.specifier.contains(version(requirement.name), prereleases=True):
                return []
        except PackageNotFoundError:
            return []
    return ["--no-build-isolation"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """framing installed by pip (not editable) into a folder of its own."""
    home = tmp_path_factory.mktemp("install")
    # pip builds in the source folder (build/, *.egg-info) and setuptools' build/lib keeps files of
    # earlier builds: build from a copy of what the wheel is made of, so the checkout stays clean
    # and the install holds exactly the package-data pyproject.toml lists.
    source = home / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "framing", source / "framing", ignore=shutil.ignore_patterns("__pycache__"))
    target = home / "site"
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *_build_flags(), "--target", str(target), str(source)]
    out = subprocess.run(command, capture_output=True, text=True, cwd=home, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return target.resolve()


def _run(site: Path, cwd: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "200", **env}
    script = PRELUDE.format(site=str(site), root=str(ROOT)) + code
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, env=environ, timeout=600)


def test_installed_package_reads_its_packaged_resources(site: Path, tmp_path: Path) -> None:
    code = """\
from framing.clean import TextCleaner
from framing.features.attribution import AttributionFeatures
from framing.features.lexicon import LexiconFeatures
from framing.features.style import StyleFeatures

cleaner = TextCleaner().fit([])
doc = cleaner.clean("JAKARTA, KOMPAS.com - Menurut TASS, rezim Zionis bertindak brutal.\\nBaca juga: Harga Bawang Turun")
assert Path(cleaner.path_).resolve() == site / "framing" / "resources" / "cleaning.yaml", cleaner.path_
print(repr(str(doc)), doc.counts["dateline"], doc.counts["link_box"])
lexicon = LexiconFeatures(lexicons="default", min_term_count=1).fit([str(doc)])
print([(h.term, h.category, h.text) for h in lexicon.find(str(doc))])
print([(a.source, a.group, a.cue) for a in AttributionFeatures().fit([]).find(str(doc))])
style = StyleFeatures(cleaning_counts=False).fit([""])
print(dict(zip(style.get_feature_names_out(), style.transform([str(doc)])[0]))["style__evaluative_rate"])
"""
    out = _run(site, tmp_path, code)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines() == [
        "'Menurut TASS, rezim Zionis bertindak brutal.' 1 1",
        "[('rezim Zionis', 'delegitimising_label', 'rezim Zionis'), ('brutal', 'moral_condemnation', 'brutal')]",
        "[('TASS', 'russian_state', 'Menurut')]",
        str(1000 / 6),  # "brutal" in 6 tokens
    ]


def test_install_ships_the_type_marker_and_the_license(site: Path) -> None:
    assert (site / "framing" / "py.typed").is_file()
    licenses = sorted(path.name for path in site.glob("framing-*.dist-info/licenses/*"))
    assert licenses == ["LICENSE"]
    assert (site / "framing-0.1.0.dist-info" / "licenses" / "LICENSE").read_text(encoding="utf-8") == (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_installed_cli_trains_a_copied_config_from_another_folder(site: Path, tmp_path: Path) -> None:
    config = tmp_path / "stance.yaml"
    shutil.copy2(ROOT / "configs" / "stance.yaml", config)  # data: demo, resources: default
    overrides = [*SMALL_MODEL, "split.cv_folds=2", "features.text_scores.inner_folds=2"]
    argv = ["framing", "train", "--config", str(config), *(arg for item in overrides for arg in ("--set", item))]
    code = f"import runpy\nsys.argv = {argv!r}\nrunpy.run_module('framing.cli', run_name='__main__', alter_sys=True)\n"
    out = _run(site, tmp_path, code, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert "records:     294 (" in out.stdout
    assert "model uri:" in out.stdout


def test_installed_package_trains_predicts_and_explains_without_mlflow(site: Path, tmp_path: Path) -> None:
    """``framing.train`` in a notebook: a model and its report, no MLflow run, MLflow not even imported."""
    overrides = [*SMALL_MODEL, "split.cv_folds=2", "features.text_scores.inner_folds=2", "evaluation.bootstrap=0"]
    text = "Rezim Zionis kembali menunjukkan kesombongannya, kata juru bicara Kremlin kepada TASS."
    code = f"""
import json
config = framing.load_config({str(tmp_path / 'stance.yaml')!r}, {overrides!r})
model, report = framing.train(config, report=lambda line: None)
text = {text!r}
labels = model.predict([text])
proba = model.predict_proba([text])
items = model.explain([text], 3)[0]
spans = [(c['text'], text[c['start']:c['end']]) for item in items for c in item['cues'] if c['start'] is not None]
print(json.dumps({{
    "type": type(model).__name__, "classes": [str(c) for c in model.classes_], "label": str(labels[0]),
    "argmax": str(model.classes_[proba.argmax()]), "sum": float(proba.sum()), "n_items": len(items), "spans": spans,
    "metrics": sorted(k for k in report.metrics if k in ("test_macro_f1", "baseline_tfidf_lr_test_macro_f1")),
    "mlflow_imported": "mlflow" in sys.modules,
}}))
"""
    shutil.copy2(ROOT / "configs" / "stance.yaml", tmp_path / "stance.yaml")
    out = _run(site, tmp_path, code)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["type"] == "FramingModel" and found["classes"] == ["critical", "neutral", "supportive"]
    assert found["label"] == found["argmax"] and found["label"] in found["classes"]
    assert found["sum"] == pytest.approx(1.0)
    assert found["n_items"] >= 1 and found["spans"] and all(cue == sliced for cue, sliced in found["spans"])
    assert found["metrics"] == ["baseline_tfidf_lr_test_macro_f1", "test_macro_f1"]
    assert found["mlflow_imported"] is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stance.yaml"]  # no mlruns/, no database
