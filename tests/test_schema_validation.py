"""validate_user_file: every violation of a user's CSV reported with file, column, row (as a
spreadsheet numbers it) and rule; the README's table of these rules is generated from them."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from specverse.study import schema
from specverse.study.schema import SchemaError, validate_user_file


def write(tmp_path, frame, name="mine.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def text_frame(make_areas):
    return make_areas().astype(object).where(lambda f: f.notna(), "").astype(str)


def errors_of(path) -> str:
    with pytest.raises(SchemaError) as info:
        validate_user_file(path)
    return str(info.value)


def test_valid_file_is_returned_typed(tmp_path, make_areas):
    frame = make_areas()
    out = validate_user_file(write(tmp_path, frame))
    assert list(out.columns) == list(schema.SCHEMA_COLUMNS)
    assert out["target_on"].dtype.kind == "i" and out["nrf_area"].dtype.kind == "i"
    np.testing.assert_allclose(out["ni1_2006"], frame["ni1_2006"], rtol=1e-15)
    assert out["target_2011"].isna().sum() == frame["target_2011"].isna().sum()


def test_optional_lsp_column_may_be_absent(tmp_path, make_areas):
    out = validate_user_file(write(tmp_path, make_areas().drop(columns="ni1_2006_lsp")))
    assert out["ni1_2006_lsp"].isna().all()


def _set(row, column, value):
    """Set ``column`` in data row ``row`` (1-based; spreadsheet row ``row + 1``)."""
    def edit(f):
        f.loc[row - 1, column] = value
        return f
    return edit


def _dup_code(f):
    f.loc[4, "area_code"] = f.loc[1, "area_code"]
    return f


def _target_without_target_on(f):
    row = int(np.flatnonzero(f["target_on"] == "0")[0])
    f.loc[row, "target_2011"] = "80"
    return f


# (edit, column, row or None, words the rule must contain)
BAD_FILES = {
    "missing column": (lambda f: f.drop(columns="deprivation"), "deprivation", None, "required column is missing"),
    "extra column": (lambda f: f.assign(colour="red"), "colour", None, "unexpected column"),
    "scenario column": (lambda f: f.assign(scenario="causal"), "scenario", None, "observed scenario"),
    "mistyped value": (_set(3, "ni1_2008", "seventy"), "ni1_2008", 3, "'seventy' is not a number"),
    "NI1 above 100": (_set(5, "ni1_2008", "100.5"), "ni1_2008", 5, "out of range"),
    "NI1 2006 zero": (_set(6, "ni1_2006", "0"), "ni1_2006", 6, "out of range (must be > 0 and <= 100)"),
    "negative target": (_set(1, "target_2011", "-4"), "target_2011", 1, "out of range"),
    "diversity out of range": (_set(7, "ethnic_diversity", "12000"), "ethnic_diversity", 7, "<= 10000"),
    "duplicate area code": (_dup_code, "area_code", 5, "duplicate area_code"),
    "unknown la_type": (_set(2, "la_type", "District council"), "la_type", 2, "unknown la_type 'District council'"),
    "target_on not 0/1": (_set(8, "target_on", "2"), "target_on", 8, "not 0 or 1"),
    "nrf_area fractional": (_set(9, "nrf_area", "0.5"), "nrf_area", 9, "not 0 or 1"),
    "target without target_on": (_target_without_target_on, "target_2011", None, "target_on is 0"),
    "percent sign": (_set(15, "ni1_2008", "75.2%"), "ni1_2008", 15, "'75.2%' is not a number"),
    "thousands separator": (_set(15, "population", "1,234"), "population", 15, "'1,234' is not a number"),
    "deprivation above 100": (_set(4, "deprivation", "100.1"), "deprivation", 4, "<= 100"),
    "non-positive population": (_set(10, "population", "0"), "population", 10, "must be positive"),
    "negative density": (_set(11, "population_density", "-5"), "population_density", 11, "must be positive"),
    "empty required value": (_set(12, "area_name", ""), "area_name", 12, "value is missing"),
    "infinite value": (_set(13, "deprivation", "inf"), "deprivation", 13, "not finite"),
    "growth below -100%": (_set(14, "population_growth", "-120"), "population_growth", 14, "> -100"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_is_reported_with_file_column_row_and_rule(tmp_path, text_frame, kind):
    edit, column, row, words = BAD_FILES[kind]
    path = write(tmp_path, edit(text_frame))
    message = errors_of(path)
    line = next((ln for ln in message.splitlines() if f"column '{column}'" in ln), None)
    assert line is not None, message
    assert str(path) in line and words in line
    if row is not None:
        assert f"row {row + 1} (area_code " in line  # the header is spreadsheet row 1


def test_every_violation_is_listed_at_once(tmp_path, text_frame):
    f = text_frame
    for edit in (_set(2, "la_type", "Parish"), _set(3, "target_on", "yes"), _set(4, "population", "-1"),
                 _set(5, "ni1_2008", "101")):
        f = edit(f)
    err = pytest.raises(SchemaError, validate_user_file, write(tmp_path, f)).value
    assert [(v.column, v.row) for v in err.violations] == [
        ("la_type", 3), ("target_on", 4), ("population", 5), ("ni1_2008", 6)]
    assert "4 problem(s); rows numbered as in a spreadsheet, the header being row 1" in str(err)


def test_row_is_the_line_a_spreadsheet_shows(tmp_path, text_frame):
    f = _set(7, "la_type", "Parish")(text_frame)
    path = write(tmp_path, f)
    line_no = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "Parish" in ln)
    (violation,) = pytest.raises(SchemaError, validate_user_file, path).value.violations
    assert violation.row == line_no == 8
    assert violation.area_code == f.loc[6, "area_code"]


def test_duplicate_names_the_first_row_as_a_spreadsheet_shows(tmp_path, text_frame):
    message = errors_of(write(tmp_path, _dup_code(text_frame)))
    assert f"row 6 (area_code {text_frame.loc[1, 'area_code']}): duplicate area_code" in message
    assert "(first seen in row 3)" in message


def test_target_without_target_on_names_the_area(tmp_path, text_frame):
    f = _target_without_target_on(text_frame)
    row = int(np.flatnonzero(f["target_2011"].eq("80") & f["target_on"].eq("0"))[0])
    message = errors_of(write(tmp_path, f))
    assert f"row {row + 2} (area_code {f.loc[row, 'area_code']})" in message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    message = errors_of(path)
    assert str(path) in message and "the file is empty" in message


def test_header_without_rows(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(",".join(schema.SCHEMA_COLUMNS) + "\n")
    assert "no data rows" in errors_of(path)


def test_too_few_rows_for_table2(tmp_path, make_areas):
    assert "Table 2 needs at least" in errors_of(write(tmp_path, make_areas(n=10)))


def test_duplicate_header(tmp_path, make_areas):
    path = tmp_path / "dup.csv"
    frame = make_areas()
    text = frame.to_csv(index=False).splitlines()
    text[0] = text[0].replace("deprivation", "population")
    path.write_text("\n".join(text) + "\n")
    message = errors_of(path)
    assert "column 'population'" in message and "more than once" in message


def test_missing_file(tmp_path):
    assert "file not found" in errors_of(tmp_path / "nope.csv")


def test_check_frame_accepts_numbers_and_rejects_bad_ones(make_areas):
    frame = make_areas()
    schema.check_frame(frame)
    frame.loc[0, "ni1_2008"] = 140.0
    with pytest.raises(SchemaError, match="row 2 .*out of range"):
        schema.check_frame(frame)


# --- the README's table is the validator's own rules

README = Path(__file__).resolve().parents[1] / "README.md"
# The README marks the block: <!-- schema rules: begin ... --> table <!-- schema rules: end -->
BEGIN, END = "<!-- schema rules: begin", "<!-- schema rules: end -->"


def test_readme_table_is_the_generated_one():
    text = README.read_text()
    start = text.index("-->", text.index(BEGIN)) + len("-->")
    assert text[start:text.index(END)].strip() == schema.markdown_rules().strip(), (
        "README's data table is stale: paste `python -m specverse.study.schema --markdown`")


def test_markdown_states_every_rule_the_validator_enforces():
    table = schema.markdown_rules()
    rows = {ln.split(" | ")[0].strip("| `").split("`")[0]: ln for ln in table.splitlines() if ln.startswith("| `")}
    assert list(rows) == list(schema.SCHEMA_COLUMNS)
    assert "> 0 and <= 100" in rows["ni1_2006"] and ">= 0 and <= 100" in rows["deprivation"]
    assert all("<= 10000" in rows[c] for c in ("ethnic_diversity", "age_diversity", "social_class_diversity"))
    assert "unique" in rows["area_code"] and "only where `target_on` is 1" in rows["target_2011"]
    assert "(optional column)" in rows["ni1_2006_lsp"] and "| allowed |" in rows["target_2011"]
    for words in ("Any other column is rejected", "`75.2%`", f"At least {schema.MIN_ROWS} rows",
                  "the header is row 1"):
        assert words in table


def test_markdown_rules_from_the_command_line():
    out = subprocess.run([sys.executable, "-m", "specverse.study.schema", "--markdown"],
                         capture_output=True, text=True, check=True).stdout
    assert out == schema.markdown_rules()
