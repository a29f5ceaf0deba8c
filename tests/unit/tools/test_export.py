"""Export files: exact rows and 0/1 columns read back (openpyxl, csv), text never a formula, new
files only, nothing outside the export folder, Excel's limits."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from survey_jobs_mcp.tools.errors import InvalidInput
from survey_jobs_mcp.tools.models import Assignment, CodeNode, CodingResults, QuestionCoding
from survey_jobs_mcp.tools.views.coding import build_coding_index
from survey_jobs_mcp.tools.views.export import export_summary, plan_export, write_export
from survey_jobs_mcp.tools.views.export.cells import XLSX_MAX_CHARS, csv_text
from survey_jobs_mcp.tools.views.export.files import safe_part
from survey_jobs_mcp.tools.views.export.layout import rows as layout_rows
from survey_jobs_mcp.tools.views.export.sheets import sheet_names
from survey_jobs_mcp.tools.views.export.xlsx_writer import EXCEL_MAX_ROWS, MAX_CELLS, check_limits
from tests.hostile import HOSTILE

JOB = "123e4567-e89b-12d3-a456-426614174000"
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
FORMULAS = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=tab", "\r=cr"]


def node(cid, label, rids=(), children=(), bucket=None):
    return CodeNode(str(cid), label, {r: Assignment(f"coded {r}") for r in rids}, list(children), bucket)


def results() -> CodingResults:
    answers = {f"r{i}": f"answer {i}" for i in range(12)}
    answers |= {f"f{i}": f for i, f in enumerate(FORMULAS)}
    answers["long"] = "x" * (XLSX_MAX_CHARS + 10)
    answers["hostile"] = HOSTILE[29]  # control characters
    q1 = QuestionCoding(
        "Q1",
        "What could be better?",
        [
            node(2, "Price", ["r3", "r4", "f0"]),
            node(
                1,
                "Delivery",
                ["r0"],  # listed at the net and again at its sub-code, like Aftercare does
                [node(11, "Late", ["r0", "r1"]), node(12, "=Damaged", ["r2", "f1", "long"])],
            ),
            node(9, "Other", ["r5", "hostile", *[f"f{i}" for i in range(2, 6)]], bucket="other"),
        ],
        answers,
        False,
    )
    q2 = QuestionCoding("Q2/x:y", "Anything else?", [node(1, "Praise", ["r0", "r7"])], {}, False)
    return CodingResults(JOB, "aftercare", "coding", "S", NOW, [q1, q2])


def plan(fmt: str = "xlsx"):
    return plan_export(build_coding_index(results()), None, None, fmt, NOW)  # type: ignore[arg-type]


def progress_log() -> tuple[list[tuple[int, int, str]], object]:
    seen: list[tuple[int, int, str]] = []
    return seen, lambda done, total, message: seen.append((done, total, message))


def test_column_names_sort_by_tree_and_bits_are_subtree_membership() -> None:
    (t1, t2) = plan().tables
    names = [c.name for c in t1.codes]
    assert names == ["01 Price", "02 Delivery", "02.01 Late", "02.02 =Damaged", "03 Other"]
    assert names == sorted(names)
    rows = {rid: bits for rid, _q, _a, bits in layout_rows(t1, None)}
    assert rows["r0"] == [0, 1, 1, 0, 0] and rows["r2"] == [0, 1, 0, 1, 0] and rows["r3"] == [1, 0, 0, 0, 0]
    assert rows["r11"] == [0, 0, 0, 0, 0]  # answered, no code: still a row
    assert len(t1.respondents) == len(results().questions[0].responses) == 20
    assert t2.respondents == ["r0", "r7"]  # no response list: the respondents in the tree


def test_xlsx_reads_back_exactly_and_text_is_never_a_formula(tmp_path: Path) -> None:
    p = plan()
    seen, progress = progress_log()
    result = write_export(p, tmp_path, progress)
    (f,) = result.files
    assert Path(f.path).parent == tmp_path.resolve() and f.bytes == Path(f.path).stat().st_size > 0
    assert f.path.endswith(f"{JOB}-20261123T120000.xlsx")
    assert result.truncated_cells == 1
    assert seen[-1] == (22, 22, "Wrote 22 rows")
    wb = openpyxl.load_workbook(f.path)
    assert wb.sheetnames == ["Summary", "Codebook", "Q1", "Q2_x_y"]
    q1 = wb["Q1"]
    header = [c.value for c in q1[1]]
    assert header == [
        "respondent_id",
        "question_id",
        "answer",
        "01 Price",
        "02 Delivery",
        "02.01 Late",
        "02.02 =Damaged",
        "03 Other",
    ]
    assert q1["G1"].data_type == "s"  # a label starting with "=" is text
    body = {r[0]: r for r in q1.iter_rows(min_row=2, values_only=True)}
    assert len(body) == 20
    assert body["r0"][1:] == ("Q1", "answer 0", 0, 1, 1, 0, 0)
    for i, formula in enumerate(FORMULAS):
        cell = next(c for c in q1["C"] if c.row > 1 and q1.cell(c.row, 1).value == f"f{i}")
        # A string cell, never a formula; XlsxWriter stores a carriage return as Excel's _x000D_ escape.
        assert cell.data_type == "s" and cell.value == formula.replace("\r", "_x000D_")
    long = body["long"][2]
    assert len(long) == XLSX_MAX_CHARS and long.endswith("…")
    codebook = list(wb["Codebook"].iter_rows(values_only=True))
    assert codebook[0] == (
        "question_id",
        "column",
        "code_id",
        "label",
        "parent_code_id",
        "bucket",
        "count",
        "share_pct",
    )
    assert codebook[1:4] == [
        ("Q1", "01 Price", "2", "Price", None, None, 3, 15.0),
        ("Q1", "02 Delivery", "1", "Delivery", None, None, 5, 25.0),
        ("Q1", "02.01 Late", "11", "Late", "1", None, 2, 10.0),
    ]
    facts = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert facts["Job"] == JOB and facts["Rows"] == 22 and facts["Questions"] == 2
    assert "never as formulas" in facts["Text cells"]


def test_csv_one_utf8_file_per_question_with_formula_guard(tmp_path: Path) -> None:
    result = write_export(plan("csv"), tmp_path, lambda *a: None)
    assert [Path(f.path).name for f in result.files] == [
        f"{JOB}-20261123T120000-Q1.csv",
        f"{JOB}-20261123T120000-Q2_x_y.csv",
    ]
    raw = Path(result.files[0].path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, so Excel reads it as UTF-8
    with open(result.files[0].path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["respondent_id", "question_id", "answer", "01 Price"]
    assert rows[0][6] == "02.02 =Damaged"  # starts with a digit: no guard needed
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["r0"][1:] == ["Q1", "answer 0", "0", "1", "1", "0", "0"]
    for i, formula in enumerate(FORMULAS):
        assert by_id[f"f{i}"][2] == "'" + formula
    assert by_id["long"][2] == "x" * (XLSX_MAX_CHARS + 10)  # CSV has no cell limit
    assert (result.files[0].rows, result.files[0].columns) == (20, 8)


def test_never_overwrites_and_never_follows_a_planted_name(tmp_path: Path) -> None:
    p = plan()
    first = write_export(p, tmp_path, lambda *a: None).files[0].path
    second = write_export(p, tmp_path, lambda *a: None).files[0].path
    assert first != second and second.endswith("-20261123T120000-2.xlsx")
    target = tmp_path / "outside.txt"
    target.write_text("keep me")
    os.symlink(target, tmp_path / f"{JOB}-20261123T120000-3.xlsx")
    third = write_export(p, tmp_path, lambda *a: None).files[0].path
    assert third.endswith("-4.xlsx") and target.read_text() == "keep me"
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted(
        [Path(first).name, Path(second).name, Path(third).name, target.name, f"{JOB}-20261123T120000-3.xlsx"]
    )


def test_job_ids_cannot_leave_the_folder(tmp_path: Path) -> None:
    r = results()
    r.job_id = "../../etc/passwd\\..\\x:y"
    p = plan_export(build_coding_index(r), None, None, "csv", NOW)
    out = write_export(p, tmp_path / "exports", lambda *a: None)
    for f in out.files:
        assert Path(f.path).parent == (tmp_path / "exports").resolve()
    assert safe_part("../../etc/passwd") == "etc_passwd" and safe_part("") == "x"


class Unwritable:
    def __str__(self) -> str:
        raise OSError("disk full")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_failed_write_leaves_no_file(tmp_path: Path, fmt: str) -> None:
    r = results()
    r.questions[1].responses["r7"] = Unwritable()  # type: ignore[assignment]  # fails in the last table
    p = plan_export(build_coding_index(r), None, None, fmt, NOW)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="disk full"):
        write_export(p, tmp_path, lambda *a: None)
    assert list(tmp_path.iterdir()) == []


def test_sheet_names_follow_excel_rules() -> None:
    names = sheet_names(
        ["Q1", "q1", "Summary", "a" * 40, "a" * 40, "[x]:*?/\\", "History", ""], ("Summary", "Codebook")
    )
    assert names == [
        "Q1",
        "q1 (2)",
        "Summary (2)",
        "a" * 31,
        "a" * 27 + " (2)",
        "_x_",
        "History (2)",
        "Question 8",
    ]
    assert all(len(n) <= 31 for n in names)


def test_excel_row_limit_is_refused_with_the_alternative(tmp_path: Path) -> None:
    p = plan()
    p.tables[0].respondents.extend(f"z{i}" for i in range(EXCEL_MAX_ROWS))
    assert "more than Excel's 1,048,575 rows per sheet" in (check_limits(p) or "")
    with pytest.raises(InvalidInput, match='Use format="csv" instead'):
        write_export(p, tmp_path, lambda *a: None)
    assert list(tmp_path.iterdir()) == []


def test_an_xlsx_too_big_to_write_in_time_is_refused() -> None:
    p = plan()
    for t in p.tables:  # 8 and 4 columns: 12,000,168 cells in all, every sheet under Excel's row limit
        t.respondents.extend(f"z{i}" for i in range(1_000_000))
    assert MAX_CELLS == 12_000_000
    assert "it would be 12,000,168 cells" in (check_limits(p) or "")
    assert check_limits(plan()) is None


def test_answer_states_path_rows_columns_bytes(tmp_path: Path) -> None:
    p = plan()
    result = write_export(p, tmp_path, lambda *a: None)
    s = export_summary(p, result, tmp_path.resolve())
    d = s.structured
    assert (d["format"], d["rows"], d["columns"], d["questions"], d["truncated_cells"]) == (
        "xlsx",
        22,
        8,
        2,
        1,
    )
    assert d["bytes"] == Path(result.files[0].path).stat().st_size
    assert d["files"][0]["sheets"] == [
        {"name": "Q1", "question_id": "Q1", "rows": 20, "columns": 8},
        {"name": "Q2_x_y", "question_id": "Q2/x:y", "rows": 2, "columns": 4},
    ]
    assert f"`{result.files[0].path}`" in s.text and "**Rows:** 22" in s.text


def test_csv_text_guard() -> None:
    assert [csv_text(x) for x in ("=1", "a=1", "-", "", "@x", "\ud800")] == [
        "'=1",
        "a=1",
        "'-",
        "",
        "'@x",
        "?",
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_hostile_answer_is_written_as_text(tmp_path: Path, fmt: str) -> None:
    answers = {f"h{i:02d}": h for i, h in enumerate(HOSTILE)}
    q = QuestionCoding("Q1", HOSTILE[3], [node(1, HOSTILE[12], list(answers))], answers, False)
    r = CodingResults(JOB, "aftercare", "coding", HOSTILE[8], NOW, [q])
    out = write_export(plan_export(build_coding_index(r), None, None, fmt, NOW), tmp_path, lambda *a: None)
    if fmt == "csv":
        with open(out.files[0].path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len(rows) == 1 + len(HOSTILE)
        assert {row[0]: row[2] for row in rows[1:]} == {k: csv_text(v) for k, v in answers.items()}
        return
    wb = openpyxl.load_workbook(out.files[0].path)
    cells = [row for row in wb["Q1"].iter_rows(min_row=2)]
    assert len(cells) == len(HOSTILE)
    assert all(row[2].data_type == "s" or row[2].value is None for row in cells)
    assert wb["Q1"]["D1"].value == "01 | a | b | |---|---| | 1 | 2 |"  # a label on one line, as text
