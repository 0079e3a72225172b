"""The analysis schema as data, and the validator for a user's own file.

One row per area. The same schema describes results/<run>/data/analysis.csv (which adds
`scenario`) and the CSV a user passes with ``data: {source: csv, path: FILE}``.
`validate_user_file` collects every violation before raising, so a user fixes the
file in one pass instead of one error at a time.  Rows are numbered as a spreadsheet
shows them (the header is row 1), so "row 6" is the row a user sees as 6.
`markdown_rules` renders these same rules as the README's table:

    python -m specverse.study.schema --markdown
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

LA_TYPES = ("London borough", "Metropolitan borough", "County council", "Unitary authority")


@dataclass(frozen=True)
class Column:
    """One schema column. kind: text | category | number | binary."""

    name: str
    kind: str
    definition: str
    unit: str
    required: bool = True  # the column must be present
    nullable: bool = False  # empty cells allowed
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True: value must be > low, not >= low
    categories: tuple[str, ...] = field(default=())
    unique: bool = False  # no two rows share a value
    only_where: tuple[str, int] | None = None  # (column, value): a value only in rows where column == value


COLUMNS: tuple[Column, ...] = (
    Column("area_code", "text", "ONS/GSS code of the upper-tier area (unique)", "code", unique=True),
    Column("area_name", "text", "area name", "name"),
    Column("la_type", "category", "type of authority; unitary authority is the reference", "category",
           categories=LA_TYPES),
    Column("ni1_2006", "number", "NI1 2006/07 (BVPI General User Survey): % who agree people from "
           "different backgrounds get on well together; the paper's published baseline", "%",
           low=0, high=100, low_open=True),
    Column("ni1_2008", "number", "NI1 2008 (Place Survey): % who agree people from different "
           "backgrounds get on well together", "%", low=0, high=100),
    Column("ni1_2006_lsp", "number", "LSP-preferred 2006 baseline, where the LSP disputed the "
           "published figure; empty elsewhere", "%", required=False, nullable=True,
           low=0, high=100, low_open=True),
    Column("target_on", "binary", "1 if NI1 was a designated LAA target, else 0", "0/1"),
    Column("target_2011", "number", "the LAA's NI1 target for 2010/11; empty where no target or "
           "where the target is not known", "%", nullable=True, low=0, high=100,
           only_where=("target_on", 1)),
    Column("deprivation", "number", "average Index of Multiple Deprivation score", "IMD score",
           low=0, high=100),
    Column("ethnic_diversity", "number", "10,000 minus the sum of squared % shares of Census 2001 "
           "ethnic groups", "index 0-10000", low=0, high=10000),
    Column("age_diversity", "number", "10,000 minus the sum of squared % shares of Census 2001 "
           "age groups", "index 0-10000", low=0, high=10000),
    Column("social_class_diversity", "number", "10,000 minus the sum of squared % shares of Census "
           "2001 social-class groups", "index 0-10000", low=0, high=10000),
    Column("population", "number", "resident population (Census 2001)", "persons", low=0,
           low_open=True),
    Column("population_density", "number", "residents per square kilometre", "persons/km2",
           low=0, low_open=True),
    Column("population_growth", "number", "population growth", "%", low=-100, low_open=True),
    Column("nrf_area", "binary", "1 if the area received Neighbourhood Renewal Funding", "0/1"),
)

SCHEMA_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME = {c.name: c for c in COLUMNS}
NUMERIC_COLUMNS = tuple(c.name for c in COLUMNS if c.kind in ("number", "binary"))

# Table 2 Model 3 has 13 parameters; fewer rows than this cannot be fitted.
MIN_ROWS = 15
# The header is spreadsheet row 1, so data row i (0-based) is row i + FIRST_DATA_ROW.
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class Violation:
    file: str
    column: str | None
    row: int | None  # the spreadsheet's row: the header is row 1, the first area row 2
    area_code: str | None
    rule: str

    def __str__(self) -> str:
        where = []
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.row is not None:
            area = f" (area_code {self.area_code})" if self.area_code else ""
            where.append(f"row {self.row}{area}")
        place = ", ".join(where) if where else "file"
        return f"{self.file}: {place}: {self.rule}"


class SchemaError(ValueError):
    """Raised with every violation found in one file."""

    def __init__(self, path: str, violations: list[Violation]):
        self.path = path
        self.violations = violations
        rows = "; rows numbered as in a spreadsheet, the header being row 1" \
            if any(v.row is not None for v in violations) else ""
        lines = [f"{path} does not follow the analysis schema ({len(violations)} problem(s){rows}):"]
        lines += [f"  - {v}" for v in violations]
        super().__init__("\n".join(lines))


def _fmt(value) -> str:
    return repr(value) if isinstance(value, str) else f"{value:g}"


def _range_text(col: Column) -> str:
    lo = "" if col.low is None else f"{'>' if col.low_open else '>='} {col.low:g}"
    hi = "" if col.high is None else f"<= {col.high:g}"
    return " and ".join(t for t in (lo, hi) if t)


def _read_header(path: Path) -> list[str] | None:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), None)


def validate_frame(df: pd.DataFrame, file: str = "<data>") -> list[Violation]:
    """Every violation in a frame of strings (as read with dtype=str, keep_default_na=False)."""
    out: list[Violation] = []

    def add(column, row, rule, code=None):
        out.append(Violation(file, column, row, code, rule))

    expected = set(SCHEMA_COLUMNS)
    for name in df.columns:
        if name not in expected:
            hint = "; a user's file has no scenario column: it is the observed scenario" if name == "scenario" else ""
            add(name, None, f"unexpected column (not in the analysis schema{hint})")
    for col in COLUMNS:
        if col.required and col.name not in df.columns:
            add(col.name, None, "required column is missing")
    if len(df) == 0:
        add(None, None, "the file has no data rows")
        return out
    if len(df) < MIN_ROWS:
        add(None, None, f"only {len(df)} data rows; Table 2 needs at least {MIN_ROWS}")

    text = df.astype(str).apply(lambda s: s.str.strip())
    codes = text["area_code"] if "area_code" in text else pd.Series([""] * len(df))
    rows = np.arange(FIRST_DATA_ROW, len(df) + FIRST_DATA_ROW)

    def code_of(i):
        return codes.iloc[i] or None

    # Numeric parsing first so cross-column rules see numbers.
    values: dict[str, pd.Series] = {}
    for col in COLUMNS:
        if col.name not in text:
            continue
        cells = text[col.name]
        empty = cells == ""
        for i in np.flatnonzero(empty.to_numpy()):
            if not col.nullable:
                add(col.name, rows[i], "value is missing (this column may not be empty)", code_of(i))
        if col.kind == "text":
            continue
        if col.kind == "category":
            for i in np.flatnonzero((~empty & ~cells.isin(col.categories)).to_numpy()):
                add(col.name, rows[i], f"unknown {col.name} {cells.iloc[i]!r}; allowed: "
                    + ", ".join(col.categories), code_of(i))
            continue
        num = pd.to_numeric(cells.where(~empty), errors="coerce")
        bad_type = (~empty & num.isna()).to_numpy()
        for i in np.flatnonzero(bad_type):
            add(col.name, rows[i], f"value {cells.iloc[i]!r} is not a number", code_of(i))
        finite = np.isfinite(num.to_numpy(dtype=float, na_value=np.nan))
        for i in np.flatnonzero(num.notna().to_numpy() & ~finite):
            add(col.name, rows[i], f"value {cells.iloc[i]!r} is not finite", code_of(i))
        num = num.where(finite)
        values[col.name] = num
        if col.kind == "binary":
            for i in np.flatnonzero((num.notna() & ~num.isin([0, 1])).to_numpy()):
                add(col.name, rows[i], f"value {_fmt(num.iloc[i])} is not 0 or 1", code_of(i))
            continue
        low_bad = pd.Series(False, index=num.index)
        if col.low is not None:
            low_bad = (num <= col.low) if col.low_open else (num < col.low)
        high_bad = (num > col.high) if col.high is not None else pd.Series(False, index=num.index)
        for i in np.flatnonzero((low_bad | high_bad).fillna(False).to_numpy()):
            what = "must be positive" if col.low == 0 and col.low_open and col.high is None \
                else f"out of range (must be {_range_text(col)})"
            add(col.name, rows[i], f"value {_fmt(num.iloc[i])} {what}", code_of(i))

    for col in COLUMNS:
        if col.unique and col.name in text:
            cells = text[col.name]
            first_row = {}
            for i in np.flatnonzero((cells.duplicated(keep=False) & (cells != "")).to_numpy()):
                c = cells.iloc[i]
                if c in first_row:
                    add(col.name, rows[i], f"duplicate {col.name} {c!r} (first seen in row {first_row[c]})",
                        code_of(i))
                else:
                    first_row[c] = rows[i]
        if col.only_where and col.name in text and col.only_where[0] in values:
            other, wanted = col.only_where
            given = text[col.name] != ""
            elsewhere = values[other].notna() & (values[other] != wanted)
            for i in np.flatnonzero((given & elsewhere).to_numpy()):
                add(col.name, rows[i], f"a value is given but {other} is {_fmt(values[other].iloc[i])} "
                    f"({col.name} must be empty unless {other} is {wanted})", code_of(i))
    return sorted(out, key=lambda v: (v.row or 0, v.column or ""))


def validate_user_file(path) -> pd.DataFrame:
    """Read and validate a user's CSV; return it typed, or raise SchemaError listing every problem."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise SchemaError(file, [Violation(file, None, None, None, "file not found")])
    if path.stat().st_size == 0:
        raise SchemaError(file, [Violation(file, None, None, None, "the file is empty (no header, no rows)")])
    try:
        header = _read_header(path)
    except UnicodeDecodeError as exc:
        raise SchemaError(file, [Violation(file, None, None, None, f"not UTF-8 text ({exc.reason})")]) from None
    if not header or all(not h.strip() for h in header):
        raise SchemaError(file, [Violation(file, None, None, None, "the file has no header row")])
    problems = []
    stripped = [h.strip() for h in header]
    for name in sorted({h for h in stripped if stripped.count(h) > 1}):
        problems.append(Violation(file, name, None, None, "column appears more than once in the header"))
    if problems:
        raise SchemaError(file, problems)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.ParserError as exc:
        raise SchemaError(file, [Violation(file, None, None, None, f"not a well-formed CSV ({exc})")]) from None
    raw.columns = [c.strip() for c in raw.columns]
    problems = validate_frame(raw, file)
    if problems:
        raise SchemaError(file, problems)
    return coerce(raw)


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Schema dtypes: text as str, numbers as float, binaries as int; optional columns added empty."""
    out = pd.DataFrame(index=df.index)
    for col in COLUMNS:
        if col.name not in df.columns:
            out[col.name] = np.nan
            continue
        s = df[col.name]
        if col.kind in ("text", "category"):
            out[col.name] = s.astype(str).str.strip()
        else:
            if pd.api.types.is_numeric_dtype(s):
                num = s.astype(float)
            else:
                # Python's float() rounds correctly; pandas' fast parser can be 1 ulp off,
                # which the ill-conditioned Table 2 design amplifies past 1e-10.
                num = pd.Series([float(v) if v else np.nan for v in s.astype(str).str.strip()],
                                index=s.index, dtype=float)
            out[col.name] = num.astype(int) if col.kind == "binary" else num
    return out.reset_index(drop=True)


def check_frame(df: pd.DataFrame, file: str = "<data>") -> None:
    """Validate an in-memory frame (e.g. a simulated scenario) against the schema."""
    cols = [c for c in df.columns if c != "scenario"]
    as_text = df[cols].astype(object).where(df[cols].notna(), "").astype(str)
    problems = validate_frame(as_text, file)
    if problems:
        raise SchemaError(file, problems)


# --- the same rules as the README's table (a test keeps the README equal to this)

def _values_text(col: Column) -> str:
    if col.kind == "category":
        text = "one of " + ", ".join(f"`{c}`" for c in col.categories)
    elif col.kind == "binary":
        text = "`0` or `1`"
    elif col.kind == "number":
        text = f"number {_range_text(col)}".rstrip()
    else:
        text = "text"
    if col.unique:
        text += ", unique"
    if col.only_where:
        text += f"; only where `{col.only_where[0]}` is {col.only_where[1]}"
    return text


def markdown_rules() -> str:
    """The columns and file-wide rules `validate_user_file` enforces, as README markdown."""
    lines = ["| column | values | unit | empty cells | meaning |", "|---|---|---|---|---|"]
    for col in COLUMNS:
        name = f"`{col.name}`" + ("" if col.required else " (optional column)")
        empty = "allowed" if col.nullable else "no"
        lines.append(f"| {name} | {_values_text(col)} | {col.unit} | {empty} | {col.definition} |")
    lines += [
        "",
        "- The file is UTF-8 text (a spreadsheet's byte-order mark is fine) with one header row "
        "naming each column above once. Any other column is rejected, `scenario` too: your file "
        "is the one observed scenario.",
        f"- At least {MIN_ROWS} rows of areas: Table 2's Model 3 has 13 parameters.",
        "- Numbers are plain: `75.2`, not `75.2%` or `1,234`; `inf` and `nan` are rejected. "
        "Spaces around a value or a column name are ignored.",
        f"- Rows are numbered as a spreadsheet shows them: the header is row 1, the first area "
        f"row {FIRST_DATA_ROW}. Every problem is reported at once, with the file, column, row "
        "(and that row's `area_code`) and the rule broken.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m specverse.study.schema --markdown")
    sys.stdout.write(markdown_rules())
