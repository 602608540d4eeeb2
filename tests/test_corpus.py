from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, SEEDS, needs_data, needs_seeds, write_jsonl

from framing.config import DataConfig
from framing.corpus import CorpusError, CorpusReader, Reject, read_corpus, write_rejects

GOOD = [
    {"id": "a1", "text": "Menurut Interfax, delegasi Rusia tiba di Teheran pada Senin.", "outlet": "Warta", "stance": "neutral"},
    {"id": "a2", "text": "Rezim Zionis kembali menunjukkan kesombongannya, kata pejabat Iran.", "outlet": "Suara", "stance": "supportive"},
]


def reasons(reader: CorpusReader) -> list[tuple[str, str | None, str]]:
    return [(r.location, r.id, r.reason) for r in reader.rejects]


# -- formats ---------------------------------------------------------------------------------


def test_jsonl_reads_records_with_all_fields(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", GOOD)
    corpus = CorpusReader([str(path)], label="stance").read()
    assert list(corpus.records.columns) == ["id", "text", "title", "outlet", "url", "published_at", "stance"]
    assert corpus.records["id"].tolist() == ["a1", "a2"]
    assert corpus.records["outlet"].tolist() == ["Warta", "Suara"]
    assert corpus.records["title"].isna().all()
    assert corpus.n_rejects == 0


def test_csv_with_bom_multiline_cells_and_mapping(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_bytes(
        "\ufeffsumber,url,judul,isi_berita\n"
        'detik,https://x/1,Judul satu,"Paragraf pertama.\n\nParagraf kedua, dengan ""kutipan""."\n'
        "kompas,https://x/2,Judul dua,Satu baris saja.\n".encode()
    )
    reader = CorpusReader([str(path)], columns={"id": "url", "text": "isi_berita", "title": "judul", "outlet": "sumber"})
    records = reader.read().records
    assert records["id"].tolist() == ["https://x/1", "https://x/2"]
    assert records["text"].iloc[0] == 'Paragraf pertama.\n\nParagraf kedua, dengan "kutipan".'
    assert records["outlet"].tolist() == ["detik", "kompas"]


def test_csv_without_bom_and_alternative_column_names(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("content,url\nTeks A.,u1\n", encoding="utf-8")
    pd.DataFrame({"Isi": ["Teks B."], "Link": ["u2"]}).to_excel(tmp_path / "b.xlsx", index=False)
    reader = CorpusReader([str(tmp_path / "*")], columns={"id": ["url", "Link"], "text": ["content", "Isi"]})
    records = reader.read().records
    assert records[["id", "text"]].values.tolist() == [["u1", "Teks A."], ["u2", "Teks B."]]


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    pd.DataFrame(GOOD).to_parquet(path)
    corpus = CorpusReader([str(path)], label="stance", classes=["neutral", "supportive", "critical"]).read()
    assert corpus.records["stance"].tolist() == ["neutral", "supportive"]


def test_xlsx_rows_are_numbered_like_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    pd.DataFrame({"id": ["x1", "x2", "x3"], "text": ["Ada teks.", "   ", "Teks lagi."]}).to_excel(path, index=False)
    reader = CorpusReader([str(path)])
    assert reader.read().records["id"].tolist() == ["x1", "x3"]
    assert reasons(reader) == [("row 3", "x2", "empty text: the text field is empty, whitespace or absent")]


def test_txt_folder_ids_are_file_names(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Artikel kedua.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("\ufeffArtikel pertama.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    records = CorpusReader([str(tmp_path)]).read().records
    assert records[["id", "text"]].values.tolist() == [["a.txt", "Artikel pertama."], ["b.txt", "Artikel kedua."]]


def test_indosum_reader_joins_tokens(tmp_path: Path) -> None:
    row = {
        "id": "s1",
        "source": "antaranews",
        "source_url": "https://antaranews/x",
        "paragraphs": [[["Jakarta", "(", "Antara", ")", "-", "Harga", "naik", "."], ["Ini", "kalimat", "kedua", "."]], [["Paragraf", "baru", "."]]],
    }
    records = CorpusReader([str(write_jsonl(tmp_path / "dev.jsonl", [row]))], reader="indosum").read().records
    assert records["text"].iloc[0] == "Jakarta (Antara) - Harga naik. Ini kalimat kedua.\n\nParagraf baru."
    assert records["outlet"].iloc[0] == "antaranews" and records["url"].iloc[0] == "https://antaranews/x"


def test_glob_of_several_files_makes_one_corpus(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "part1.jsonl", GOOD[:1])
    write_jsonl(tmp_path / "part2.jsonl", GOOD[1:])
    corpus = CorpusReader([str(tmp_path / "part*.jsonl")]).read()
    assert corpus.records["id"].tolist() == ["a1", "a2"]
    assert corpus.files == [str(tmp_path / "part1.jsonl"), str(tmp_path / "part2.jsonl")]


def test_chunks_are_bounded(tmp_path: Path) -> None:
    rows = [{"id": f"r{i}", "text": f"Teks nomor {i}."} for i in range(25)]
    sizes = [len(c) for c in CorpusReader([str(write_jsonl(tmp_path / "c.jsonl", rows))]).iter_chunks(10)]
    assert sizes == [10, 10, 5]


# -- row-level problems: rejects, never a crash, never silent ---------------------------------


def test_row_level_problems_become_rejects(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [
        b'{"id": "ok1", "text": "Teks yang baik."}',
        b'{"id": "e1", "text": "   "}',
        b'{"id": "j1", "text": "kurang kurung"',
        b'{"id": "u1", "text": "byte rusak \xff\xfe di sini"}',
        b'{"id": "ok1", "text": "Duplikat."}',
        b"[1, 2]",
        b'{"text": "Tanpa id."}',
        b"",
        b'{"id": "ok2", "text": "Teks yang baik juga."}',
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    reader = CorpusReader([str(path)])
    corpus = reader.read()
    assert corpus.records["id"].tolist() == ["ok1", "ok2"]
    assert reasons(reader) == [
        ("line 2", "e1", "empty text: the text field is empty, whitespace or absent"),
        ("line 3", None, "broken JSON: Expecting ',' delimiter at column 37"),
        ("line 4", None, "undecodable bytes: not valid UTF-8 at byte 33"),
        ("line 5", "ok1", "duplicate id: an earlier row has the same id"),
        ("line 6", None, "broken JSON: expected an object, got list"),
        ("line 7", None, "missing id: the id field is empty or absent"),
    ]
    assert reader.n_rows == 8
    assert corpus.reject_counts() == {"empty text": 1, "broken JSON": 2, "undecodable bytes": 1, "duplicate id": 1, "missing id": 1}


def test_undecodable_bytes_in_csv_and_txt(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_bytes(b"id,text\nc1,baik\nc2,rusak \xff\n")
    reader = CorpusReader([str(tmp_path / "c.csv")])
    assert reader.read().records["id"].tolist() == ["c1"]
    assert reasons(reader) == [("row 3", "c2", "undecodable bytes: field 'text' is not valid UTF-8")]

    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "bad.txt").write_bytes(b"abc \xc3\x28 def")
    reader = CorpusReader([str(folder)])
    assert reader.read().records.empty
    assert reasons(reader) == [("", "bad.txt", "undecodable bytes: not valid UTF-8 at byte 4")]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", GOOD)
    write_jsonl(tmp_path / "b.jsonl", GOOD[1:])
    reader = CorpusReader([str(tmp_path / "*.jsonl")])
    assert len(reader.read().records) == 2
    assert reader.rejects == [Reject(str(tmp_path / "b.jsonl"), "line 1", "a2", "duplicate id: an earlier row has the same id")]


def test_missing_label_is_a_reject(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD[0], {"id": "n1", "text": "Teks.", "stance": ""}])
    reader = CorpusReader([str(path)], label="stance", classes=["neutral"])
    assert reader.read().records["id"].tolist() == ["a1"]
    assert reasons(reader) == [("line 2", "n1", "missing label: field 'stance' is empty or absent")]


def test_rejects_file_round_trip(tmp_path: Path) -> None:
    rejects = [Reject("f.jsonl", "line 3", None, "broken JSON: x")]
    path = write_rejects(rejects, tmp_path / "out" / "r.jsonl")
    assert path.read_text(encoding="utf-8") == '{"file": "f.jsonl", "location": "line 3", "id": null, "reason": "broken JSON: x"}\n'


# -- file-level problems: stop with file, line and field --------------------------------------


def test_unknown_label_stops_the_run(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", GOOD + [{"id": "a3", "text": "Teks.", "stance": "pro"}])
    with pytest.raises(
        CorpusError,
        match=r"c\.jsonl: line 3: field 'stance' has 'pro', expected one of \['supportive', 'neutral', 'critical'\]\. Fix the row, "
        r"add the value to data\.classes, or set data\.other_labels: reject to leave such rows out\.$",
    ):
        CorpusReader([str(path)], label="stance", classes=["supportive", "neutral", "critical"]).read()


def test_unknown_label_after_label_map_names_both_values(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,text,sikap\nk1,Pemerintah Iran mengecam serangan itu.,Kritis\nk2,Menlu Rusia tiba di Teheran.,Pro\n", encoding="utf-8")
    data = DataConfig(paths=[str(path)], columns={"stance": "sikap"}, label="stance", classes=["critical", "neutral"], label_map={"^kritis$": "critical", "^pro$": "supportive"})
    with pytest.raises(
        CorpusError,
        match=r"c\.csv: row 3: field 'stance' has 'supportive' \(from 'Pro' by data\.label_map\), expected one of \['critical', 'neutral'\]\. Fix the row, ",
    ):
        read_corpus(data)


def test_missing_mapped_column(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("judul,isi\nA,B\n", encoding="utf-8")
    with pytest.raises(
        CorpusError,
        match=r"c\.csv: row 1 \(header\): missing column 'isi_berita' for field 'text' \(columns found: 'judul', 'isi'\)\. Map it with data\.columns\.text\.",
    ):
        CorpusReader([str(path)], columns={"id": None, "text": "isi_berita"}).read()


def test_missing_label_column(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "b"}])
    with pytest.raises(CorpusError, match=r"c\.jsonl: line 1: missing column 'stance' for field 'stance'"):
        CorpusReader([str(path)], label="stance").read()


def test_unsupported_extension(tmp_path: Path) -> None:
    (tmp_path / "c.docx").write_text("x", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.docx: unsupported extension '\.docx', expected one of \.csv, \.json, \.jsonl, \.ndjson, \.parquet, \.txt, \.xlsx"):
        CorpusReader([str(tmp_path / "c.docx")]).read()


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(CorpusError, match=r"broken\.xlsx: not readable as XLSX"):
        CorpusReader([str(tmp_path / "broken.xlsx")]).read()
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(CorpusError, match=r"broken\.parquet: not readable as Parquet"):
        CorpusReader([str(tmp_path / "broken.parquet")]).read()
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CorpusError, match=r"empty\.csv: row 1: the file is empty \(no header row\)"):
        CorpusReader([str(tmp_path / "empty.csv")]).read()


def test_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"nothing\.jsonl: no such file or folder"):
        CorpusReader([str(tmp_path / "nothing.jsonl")]).read()
    with pytest.raises(CorpusError, match=r"\*\.csv: no file matches this pattern"):
        CorpusReader([str(tmp_path / "*.csv")]).read()
    with pytest.raises(CorpusError, match=r"a folder is read as \.txt articles, and this one has no \.txt file"):
        CorpusReader([str(tmp_path)]).read()


def test_fingerprint_depends_on_content_not_order(tmp_path: Path) -> None:
    one = CorpusReader([str(write_jsonl(tmp_path / "a.jsonl", GOOD))], label="stance").read()
    two = CorpusReader([str(write_jsonl(tmp_path / "b.jsonl", GOOD[::-1]))], label="stance").read()
    changed = [dict(GOOD[0], stance="critical"), GOOD[1]]
    three = CorpusReader([str(write_jsonl(tmp_path / "c.jsonl", changed))], label="stance").read()
    assert one.fingerprint() == two.fingerprint() != three.fingerprint()


# -- the real corpora in ../shared --------------------------------------------------------------

INDONEWS_DAILY = {"id": "url", "text": "isi_berita", "title": "judul", "outlet": "sumber", "published_at": "tanggal_publikasi"}
BY_OUTLET = {
    "id": None,
    "text": ["content", "Isi"],
    "title": ["title", "Judul"],
    "outlet": ["source", "Sumber"],
    "url": ["url", "Link"],
    "published_at": ["date", "Tanggal"],
}


@needs_data
def test_indonews_daily_rows_and_unique_urls() -> None:
    reader = CorpusReader([str(DATA / "indonews_2025" / "daily" / "*.csv")], columns=INDONEWS_DAILY)
    corpus = reader.read()
    assert reader.n_rows == 5774
    assert len(corpus.records) == 3698
    assert corpus.reject_counts() == {"duplicate id": 5774 - 3698}
    assert corpus.records["outlet"].value_counts().to_dict()["liputan6.com"] > 0


@needs_data
def test_indosum_dev_folds_rows_and_unique_ids() -> None:
    reader = CorpusReader([str(DATA / "indosum" / "dev.0*.jsonl")], reader="indosum")
    corpus = reader.read()
    assert reader.n_rows == 3743
    assert len(corpus.records) == 3463
    assert corpus.reject_counts() == {"duplicate id": 3743 - 3463}
    assert corpus.records["outlet"].nunique() == 10


@needs_data
@pytest.mark.parametrize(
    ("name", "rows", "text_column"),
    [
        ("berita_Liputan6.xlsx", 892, "Isi"),
        ("berita_detik.csv", 709, "content"),
        ("berita_kapanlagi.csv", 124, "content"),
        ("berita_kompas.csv", 50, "content"),
        ("berita_okezone.xlsx", 673, "Isi"),
        ("berita_posmetro.xlsx", 65, "Isi"),
        ("berita_republika.csv", 12, "content"),
        ("berita_sindonews.xlsx", 409, "Isi"),
        ("berita_tempo.xlsx", 133, "Isi"),
        ("berita_tribun.xlsx", 1085, "Isi"),
    ],
)
def test_indonews_by_outlet_files_with_their_own_column_names(name: str, rows: int, text_column: str) -> None:
    path = DATA / "indonews_2025" / "by_outlet" / name
    reader = CorpusReader([str(path)], columns=BY_OUTLET)
    corpus = reader.read()
    assert reader.n_rows == rows
    assert len(corpus.records) + corpus.n_rejects == rows
    assert set(corpus.reject_counts()) <= {"empty text"}
    with pytest.raises(CorpusError, match=rf"missing column 'text' for field 'text' \(columns found: .*'{text_column}'"):
        CorpusReader([str(path)], columns={"id": None}).read()


@needs_seeds
def test_seed_folder_is_five_articles() -> None:
    records = CorpusReader([str(SEEDS)]).read().records
    assert sorted(records["id"]) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(records) == 5 and records["text"].str.len().min() > 1000


# -- review cases: rows that differ, damaged files, reuse ---------------------------------------


def test_jsonl_rows_are_mapped_one_by_one(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "content": "Teks A."},
        {"id": "b", "Isi": "Teks B.", "title": "Judul B", "outlet": "Kabar"},
        {"id": "c", "title": "Tanpa teks"},
    ]
    reader = CorpusReader([str(write_jsonl(tmp_path / "c.jsonl", rows))], columns={"text": ["content", "Isi"]})
    records = reader.read().records[["id", "text", "title", "outlet"]]
    assert records.astype(object).where(records.notna(), None).values.tolist() == [["a", "Teks A.", None, None], ["b", "Teks B.", "Judul B", "Kabar"]]
    assert reasons(reader) == [("line 3", "c", "empty text: the text field is empty, whitespace or absent")]


def test_xlsx_with_a_stale_stored_size_loses_no_row(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "c.xlsx"
    pd.DataFrame({"id": [f"x{i}" for i in range(5)], "text": ["Teks."] * 5}).to_excel(path, index=False)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B6" />', b'<dimension ref="A1:B3" />')
                assert b'ref="A1:B3"' in data
            target.writestr(item, data)
    assert len(CorpusReader([str(damaged)]).read().records) == 5


def test_csv_blank_lines_keep_row_numbers_true(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,text\na,Teks.\n\nb,\n", encoding="utf-8")
    reader = CorpusReader([str(tmp_path / "c.csv")])
    assert reader.read().records["id"].tolist() == ["a"]
    assert reasons(reader) == [("row 4", "b", "empty text: the text field is empty, whitespace or absent")]


def test_csv_header_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_bytes(b"id,t\xe9xt\na,b\n")
    with pytest.raises(CorpusError, match=r"c\.csv: row 1 \(header\): column names are not valid UTF-8\. Save the file as UTF-8\."):
        CorpusReader([str(tmp_path / "c.csv")]).read()


def test_a_reader_can_be_read_twice(tmp_path: Path) -> None:
    reader = CorpusReader([str(write_jsonl(tmp_path / "c.jsonl", GOOD))])
    assert len(reader.read().records) == 2
    assert len(reader.read().records) == 2 and reader.rejects == []


def test_label_values_are_stripped(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [dict(GOOD[0], stance="neutral ")])
    records = CorpusReader([str(path)], label="stance", classes=["neutral"]).read().records
    assert records["stance"].tolist() == ["neutral"]


# -- data.other_labels: reject -------------------------------------------------------------------

LABELLED = [
    {"id": "k1", "text": "Pemerintah Iran mengecam keras serangan udara itu.", "sikap": "critical"},
    {"id": "k2", "text": "Delegasi Rusia dijadwalkan tiba di Teheran pekan depan.", "sikap": "Netral"},
    {"id": "k3", "text": "Harga cabai di Pasar Induk naik menjelang Lebaran.", "sikap": "ekonomi"},
    {"id": "k4", "text": "Poros perlawanan disebut semakin kuat di kawasan.", "sikap": "supportive"},
    {"id": "k5", "text": "Juru bicara Kemlu belum memberi tanggapan.", "sikap": ""},
    {"id": "k6", "text": "Timnas menang dua gol tanpa balas.", "sikap": "olahraga"},
]


def test_other_labels_reject_sends_rows_outside_the_classes_to_the_rejects(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", LABELLED)
    data = DataConfig(
        paths=[str(path)],
        columns={"stance": "sikap"},
        label="stance",
        classes=["supportive", "neutral", "critical"],
        label_map={"^netral$": "neutral", "^olahraga$": "sport"},
        other_labels="reject",
    )
    corpus = read_corpus(data)
    assert corpus.records[["id", "stance"]].values.tolist() == [["k1", "critical"], ["k2", "neutral"], ["k4", "supportive"]]
    assert [(r.location, r.id, r.reason) for r in corpus.rejects] == [
        ("line 3", "k3", "label not in classes: field 'stance' has 'ekonomi', expected one of ['supportive', 'neutral', 'critical']"),
        ("line 5", "k5", "missing label: field 'stance' is empty or absent"),
        ("line 6", "k6", "label not in classes: field 'stance' has 'sport' (from 'olahraga' by data.label_map), expected one of ['supportive', 'neutral', 'critical']"),
    ]
    assert corpus.n_rejects == 3
    assert corpus.reject_counts() == {"label not in classes": 2, "missing label": 1}


def test_other_labels_error_is_the_default(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", LABELLED)
    data = DataConfig(paths=[str(path)], columns={"stance": "sikap"}, label="stance", classes=["supportive", "neutral", "critical"], label_map={"^netral$": "neutral"})
    assert data.other_labels == "error"
    with pytest.raises(CorpusError, match=r"c\.jsonl: line 3: field 'stance' has 'ekonomi', expected one of \['supportive', 'neutral', 'critical'\]\."):
        read_corpus(data)


def test_other_labels_does_not_touch_scoring(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", LABELLED)
    data = DataConfig(paths=[str(path)], columns={"stance": "sikap"}, label="stance", classes=["critical"], other_labels="reject")
    corpus = read_corpus(data, with_label=False)
    assert len(corpus.records) == 6 and corpus.n_rejects == 0


def test_other_labels_value_is_checked() -> None:
    with pytest.raises(CorpusError, match=r"^Got other_labels='drop', expected one of error, reject\.$"):
        CorpusReader(["c.jsonl"], other_labels="drop")


# -- any mapped field is a record column --------------------------------------------------------


def test_mapped_extra_fields_are_record_columns(tmp_path: Path) -> None:
    rows = [
        {"id": "t1", "text": "Menlu Iran bertemu Menlu Rusia di Moskow.", "sasaran": "Iran", "penulis": "Rina"},
        {"id": "t2", "text": "Israel kembali menyerang Gaza pada Selasa malam.", "topik": "Israel", "penulis": 7},
        {"id": "t3", "text": "Presiden AS menelepon Perdana Menteri Jepang."},
    ]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    reader = CorpusReader([str(path)], columns={"target": ["sasaran", "topik"], "author": "penulis", "event": "peristiwa"})
    records = reader.read().records
    assert list(records.columns) == ["id", "text", "title", "outlet", "url", "published_at", "target", "author", "event"]
    extra = records[["target", "author", "event"]]
    assert extra.astype(object).where(extra.notna(), None).values.tolist() == [["Iran", "Rina", None], ["Israel", "7", None], [None, None, None]]
    assert reader.rejects == []


def test_mapped_extra_fields_in_csv_and_parquet(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,isi,kategori\nc1,Harga beras turun.,ekonomi\nc2,Timnas lolos ke final.,\n", encoding="utf-8")
    pd.DataFrame({"id": ["p1"], "isi": ["Gempa mengguncang Cianjur."], "kategori": ["bencana"], "lain": ["x"]}).to_parquet(tmp_path / "b.parquet")
    (tmp_path / "c.csv").write_text("id,isi\nc3,Tanpa kategori.\n", encoding="utf-8")  # the column is optional, like title
    reader = CorpusReader([str(tmp_path / "a.csv"), str(tmp_path / "b.parquet"), str(tmp_path / "c.csv")], columns={"text": "isi", "category": "kategori"})
    records = reader.read().records
    assert records["category"].tolist() == ["ekonomi", "", "bencana", None]
    assert "lain" not in records.columns


def test_a_mapped_extra_field_changes_the_fingerprint(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [dict(g, topik=g["outlet"]) for g in GOOD])
    plain = CorpusReader([str(path)]).read()
    mapped = CorpusReader([str(path)], columns={"target": "topik"}).read()
    assert "target" not in plain.records.columns and plain.fingerprint() != mapped.fingerprint()


@needs_data
def test_indosum_source_and_category_are_record_columns() -> None:
    from framing.config import SplitConfig
    from framing.evaluate import holdout_split

    data = DataConfig(paths=[str(DATA / "indosum" / "dev.0*.jsonl")], reader="indosum", columns={"source": "source", "category": "category"})
    records = read_corpus(data).records
    outlets = ["antaranews", "cnn indonesia", "dailysocial.id", "goal indonesia", "juara.net", "kumparan", "merdeka", "poskotanews", "rimanews", "suara"]
    assert sorted(records["source"].unique()) == outlets
    assert sorted(records["category"].unique()) == ["hiburan", "inspirasi", "olahraga", "showbiz", "tajuk utama", "teknologi"]
    assert records["source"].equals(records["outlet"])  # the indosum reader's default outlet column
    y = records["category"].to_numpy(dtype=object)
    split = holdout_split(records, y, SplitConfig(kind="group", group_column="source", test_size=0.2), seed=0)
    assert set(records["source"].iloc[split.train]).isdisjoint(records["source"].iloc[split.test])

