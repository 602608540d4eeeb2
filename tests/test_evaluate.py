from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_jsonl

from framing.config import DataConfig, SplitConfig
from framing.corpus import read_corpus
from framing.evaluate import SplitError, classification_metrics, cv_splits, holdout_split


def records(n_outlets: int = 6, per_outlet: int = 10) -> tuple[pd.DataFrame, np.ndarray]:
    rows = []
    for o in range(n_outlets):
        for i in range(per_outlet):
            rows.append({"id": f"o{o}-{i}", "outlet": f"outlet{o}", "published_at": f"2024-{1 + (o * per_outlet + i) % 12:02d}-{1 + i:02d}"})
    frame = pd.DataFrame(rows)
    y = np.array(["a", "b", "c"] * (len(frame) // 3) + ["a"] * (len(frame) % 3), dtype=object)
    return frame, y


def test_metrics_match_hand_computed_values() -> None:
    # true:  a a a b b c ; pred: a a b b c c
    # a: P=2/2 R=2/3 F1=0.8 ; b: P=1/2 R=1/2 F1=0.5 ; c: P=1/2 R=1/1 F1=2/3
    metrics = classification_metrics(list("aaabbc"), list("aabbcc"), ["a", "b", "c"])
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["f1_a"] == pytest.approx(0.8)
    assert metrics["f1_b"] == pytest.approx(0.5)
    assert metrics["f1_c"] == pytest.approx(2 / 3)
    assert metrics["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert metrics["precision_a"] == 1.0 and metrics["recall_a"] == pytest.approx(2 / 3)


def test_metrics_skip_classes_absent_from_truth_and_predictions() -> None:
    metrics = classification_metrics(["a", "b"], ["a", "b"], ["a", "b", "c"])
    assert metrics["macro_f1"] == 1.0
    assert "f1_c" not in metrics


def test_group_holdout_and_folds_never_share_an_outlet() -> None:
    frame, y = records()
    split = SplitConfig(kind="group", test_size=0.2, cv_folds=3)
    holdout = holdout_split(frame, y, split, seed=1)
    train_outlets = set(frame["outlet"].iloc[holdout.train])
    test_outlets = set(frame["outlet"].iloc[holdout.test])
    assert train_outlets.isdisjoint(test_outlets) and test_outlets
    assert len(holdout.test) in (10, 20)  # one or two of six outlets for test_size 0.2
    assert len(holdout.train) + len(holdout.test) == len(frame)
    train = frame.iloc[holdout.train].reset_index(drop=True)
    folds = cv_splits(train, y[holdout.train], split, seed=1)
    assert len(folds) == 3
    for fold in folds:
        assert set(train["outlet"].iloc[fold.train]).isdisjoint(train["outlet"].iloc[fold.test])
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(train)))


def test_time_split_never_trains_on_the_future() -> None:
    frame, y = records()
    holdout = holdout_split(frame, y, SplitConfig(kind="time", cutoff="2024-07-01"), seed=0)
    dates = pd.to_datetime(frame["published_at"])
    assert dates.iloc[holdout.train].max() < pd.Timestamp("2024-07-01") <= dates.iloc[holdout.test].min()
    train = frame.iloc[holdout.train].reset_index(drop=True)
    folds = cv_splits(train, y[holdout.train], SplitConfig(kind="time", cv_folds=3), seed=0)
    assert len(folds) == 3
    train_dates = pd.to_datetime(train["published_at"])
    for fold in folds:
        assert train_dates.iloc[fold.train].max() <= train_dates.iloc[fold.test].min()


def test_dates_are_iso_first_then_day_first() -> None:
    frame = pd.DataFrame({"published_at": ["2024-02-03", "05/02/2024", "13/02/2024", "2024-02-10T09:00:00+07:00"]})
    y = np.array(["a", "b", "a", "b"], dtype=object)
    holdout = holdout_split(frame, y, SplitConfig(kind="time", cutoff="2024-02-06"), seed=0)
    # 3 Feb and 5 Feb (05/02) before the cutoff; 13 Feb and 10 Feb after.
    assert holdout.train.tolist() == [0, 1] and holdout.test.tolist() == [2, 3]


def test_a_training_side_with_one_class_is_an_error() -> None:
    frame = pd.DataFrame({"outlet": ["o1", "o1", "o2", "o2", "o3", "o3"]})
    y = np.array(["a", "a", "b", "b", "a", "a"], dtype=object)
    with pytest.raises(SplitError, match=r"the training side of cross-validation fold \d has only the class \['a'\]: a classifier needs at least 2"):
        cv_splits(frame, y, SplitConfig(kind="group", cv_folds=3), seed=0)


def test_time_split_without_cutoff_takes_the_latest_share() -> None:
    frame = pd.DataFrame({"published_at": [f"2024-01-{d:02d}" for d in range(1, 11)]})
    y = np.array(["a", "b"] * 5, dtype=object)
    holdout = holdout_split(frame, y, SplitConfig(kind="time", test_size=0.3), seed=0)
    assert holdout.test.tolist() == [7, 8, 9]


def test_random_split_is_stratified_and_seeded() -> None:
    frame, y = records()
    one = holdout_split(frame, y, SplitConfig(kind="random", test_size=0.25), seed=3)
    two = holdout_split(frame, y, SplitConfig(kind="random", test_size=0.25), seed=3)
    assert one.test.tolist() == two.test.tolist()
    assert sorted(pd.Series(y[one.test]).value_counts().tolist()) == [5, 5, 5]


def test_split_errors_say_what_to_change() -> None:
    frame, y = records()
    frame.loc[3, "outlet"] = None
    with pytest.raises(SplitError, match=r"split\.kind=group needs 'outlet' in every record, but 1 of 60 lack it"):
        holdout_split(frame, y, SplitConfig(kind="group"), seed=0)
    frame, y = records()
    frame.loc[0, "published_at"] = "Diperbarui kemarin"
    with pytest.raises(SplitError, match=r"1 cannot be parsed \(e\.g\. 'Diperbarui kemarin'\)\. Fix or drop those rows"):
        holdout_split(frame, y, SplitConfig(kind="time"), seed=0)
    frame, y = records(n_outlets=1)
    with pytest.raises(SplitError, match="needs at least 2 distinct groups, got 1"):
        holdout_split(frame, y, SplitConfig(kind="group"), seed=0)
    frame, y = records()
    with pytest.raises(SplitError, match="left the test side empty"):
        holdout_split(frame, y, SplitConfig(kind="time", cutoff="2030-01-01"), seed=0)


# Four targets, each covered three times, once per stance: the "sasaran" field is the target.
BY_TARGET = [
    ("Iran", "supportive", "Iran disebut berhasil menggagalkan upaya campur tangan asing."),
    ("Iran", "neutral", "Menteri Luar Negeri Iran dijadwalkan berkunjung ke Jakarta."),
    ("Iran", "critical", "Pengamat menilai kebijakan nuklir Iran memicu ketegangan baru."),
    ("Rusia", "supportive", "Rusia dinilai konsisten menolak hegemoni AS di kawasan."),
    ("Rusia", "neutral", "Delegasi Rusia tiba di Teheran pada Senin pagi."),
    ("Rusia", "critical", "Serangan Rusia ke kota pelabuhan itu menuai kecaman."),
    ("Israel", "supportive", "Israel mengklaim serangannya hanya menyasar gudang senjata."),
    ("Israel", "neutral", "Kabinet Israel menggelar rapat darurat pada Selasa malam."),
    ("Israel", "critical", "Rezim Zionis kembali menunjukkan kesombongannya, kata pejabat Iran."),
    ("Amerika Serikat", "supportive", "Washington menyebut bantuan itu menjaga stabilitas kawasan."),
    ("Amerika Serikat", "neutral", "Juru bicara Departemen Luar Negeri AS memberi keterangan pers."),
    ("Amerika Serikat", "critical", "Unilateralisme Amerika Serikat dikritik para diplomat."),
]


def test_group_split_by_a_mapped_extra_column(tmp_path: Path) -> None:
    rows = [{"id": f"t{i:02d}", "text": text, "sasaran": target, "sikap": stance} for i, (target, stance, text) in enumerate(BY_TARGET)]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    data = DataConfig(paths=[str(path)], columns={"target": "sasaran", "stance": "sikap"}, label="stance", classes=["supportive", "neutral", "critical"])
    records = read_corpus(data).records
    y = records["stance"].to_numpy(dtype=object)
    split = SplitConfig(kind="group", group_column="target", test_size=0.25, cv_folds=3)
    holdout = holdout_split(records, y, split, seed=0)
    test_targets = set(records["target"].iloc[holdout.test])
    assert len(test_targets) == 1 and test_targets.isdisjoint(records["target"].iloc[holdout.train])
    assert len(holdout.test) == 3 and len(holdout.train) == 9
    train = records.iloc[holdout.train].reset_index(drop=True)
    folds = cv_splits(train, y[holdout.train], split, seed=0)
    assert len(folds) == 3
    for fold in folds:
        assert train["target"].iloc[fold.test].nunique() == 1
        assert set(train["target"].iloc[fold.train]).isdisjoint(train["target"].iloc[fold.test])


def test_an_unmapped_group_column_says_how_to_map_it() -> None:
    frame, y = records()
    with pytest.raises(
        SplitError,
        match=r"^Got split\.group_column='target', but the records have no such field; expected one of \['id', 'outlet', 'published_at'\]\. "
        r"To group by a column of your files, map it with data\.columns\.target \(e\.g\. target: <file column>\)\.$",
    ):
        holdout_split(frame, y, SplitConfig(kind="group", group_column="target"), seed=0)
    with pytest.raises(SplitError, match=r"Got split\.time_column='tanggal', .* map it with data\.columns\.tanggal \(e\.g\. tanggal: <file column>\)\.$"):
        holdout_split(frame, y, SplitConfig(kind="time", time_column="tanggal"), seed=0)


def test_balanced_accuracy_and_probability_metrics_by_hand() -> None:
    y = ["a", "a", "b", "b"]
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.5, 0.5]])
    metrics = classification_metrics(y, ["a", "b", "b", "a"], ["a", "b"], proba)
    assert metrics["balanced_accuracy"] == pytest.approx(0.5)  # recall a = 1/2, recall b = 1/2
    # log-loss: -(ln .9 + ln .2 + ln .7 + ln .5) / 4
    assert metrics["log_loss"] == pytest.approx(-(np.log(0.9) + np.log(0.2) + np.log(0.7) + np.log(0.5)) / 4)
    # Brier: (0.01+0.01) + (0.64+0.64) + (0.09+0.09) + (0.25+0.25) = 1.98 -> / 4
    assert metrics["brier"] == pytest.approx(1.98 / 4)


def test_bootstrap_resamples_whole_groups() -> None:
    from framing.evaluate import bootstrap_interval

    # Outlet o1 is all right, outlet o2 all wrong: resampling outlets gives accuracy 0, .5 or 1.
    y_true = ["a", "b", "a", "b"]
    y_pred = ["a", "b", "b", "a"]
    groups = ["o1", "o1", "o2", "o2"]
    low, high = bootstrap_interval(y_true, y_pred, ["a", "b"], groups=groups, metric="accuracy", n_boot=400, seed=1)
    assert (low, high) == (0.0, 1.0)
    assert bootstrap_interval(y_true, y_pred, ["a", "b"], n_boot=0) != bootstrap_interval(y_true, y_pred, ["a", "b"], n_boot=0)  # nan
    # One test outlet: no interval (resampling it would give the zero-width (0.5, 0.5)).
    one = bootstrap_interval(y_true, y_pred, ["a", "b"], groups=["o1"] * 4, metric="accuracy", n_boot=50)
    assert np.isnan(one).all()


def test_per_group_table() -> None:
    from framing.evaluate import per_group_table

    table = per_group_table(["a", "b", "a", "b"], ["a", "b", "b", "b"], ["x", "x", "y", "y"], ["a", "b"])
    assert table.to_dict(orient="records") == [
        {"group": "x", "n": 2, "accuracy": 1.0, "macro_f1": 1.0},
        {"group": "y", "n": 2, "accuracy": 0.5, "macro_f1": pytest.approx(1 / 3)},
    ]


def test_report_has_interval_tables_and_figures() -> None:
    from framing.evaluate import report

    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    result = report(["a", "b", "a", "b"], proba, ["a", "b"], groups=["x", "x", "y", "y"], interval_groups=["x", "x", "y", "y"], n_boot=100)
    assert result.metrics["macro_f1"] == 1.0 and result.metrics["macro_f1_low"] == 1.0
    assert set(result.figures) == {"confusion_matrix", "reliability", "per_group"}
    assert result.tables["per_group"]["group"].tolist() == ["x", "y"]
