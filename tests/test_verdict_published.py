"""The published-table validator of the verdict (specverse.study.verdict.published) and
the verdict's config section: every malformed case names the file, the row and the rule."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from specverse.study.verdict import VerdictSettings
from specverse.study.verdict.published import (
    PublishedTableError,
    SUMMARY_NAMES,
    default_directory,
    read_published,
)


@pytest.fixture()
def tables(tmp_path):
    for name in ("table1.csv", "table2.csv", "table2_fit.csv"):
        shutil.copy(default_directory() / name, tmp_path / name)
    return tmp_path


def edit(directory, name, fn):
    path = directory / name
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = fn(df)
    df.to_csv(path, index=False)


def set_cell(directory, name, key_col, key, col, value):
    def fn(df):
        df.loc[df[key_col] == key, col] = value
        return df

    edit(directory, name, fn)


def test_the_package_tables_read_and_derive_counts():
    pub = read_published(default_directory(), 86)
    assert (pub.n_areas, pub.n_stretch, pub.n_target, pub.n_missing, pub.n_known) == (150, 131, 86, 19, 67)
    assert pub.summaries["m3_stretch_coef"] == 0.651 and pub.summaries["m2_target_on_se"] == 0.659
    assert list(pub.summaries) == list(SUMMARY_NAMES)
    # Table 1's stretch row covers 131 rows, 64 of them zeros: the 67 known targets' moments.
    s = np.r_[np.zeros(64), np.full(67, pub.stretch_mean_target)]
    assert s.mean() == pytest.approx(0.89)
    # reconstruct the 131-row sd from the implied target moments
    ss = 66 * pub.stretch_sd_target**2 + 67 * pub.stretch_mean_target**2
    sd131 = np.sqrt((ss - 131 * 0.89**2) / 130)
    assert sd131 == pytest.approx(3.93, abs=1e-12)


def test_target_count_must_fit_the_printed_share():
    # .57 of 150 fits 85 and 86: without a count the validator asks for one.
    with pytest.raises(PublishedTableError, match=r"table1\.csv: row \d+ \(variable=target_on\).*85, 86"):
        read_published(default_directory(), None)
    with pytest.raises(PublishedTableError, match=r"90 of 150 .*not the printed mean 0\.57"):
        read_published(default_directory(), 90)
    assert read_published(default_directory(), 85).n_target == 85


@pytest.mark.parametrize(
    "name, key_col, key, col, value, rule",
    [
        ("table1.csv", "variable", "ni1_2006", "sd", "0", r"row 5 \(variable=ni1_2006\): sd must be > 0"),
        ("table1.csv", "variable", "ni1_2006", "sd", "-1.2", r"sd must be > 0"),
        ("table1.csv", "variable", "ni1_2006", "min", "80", r"row 5 \(variable=ni1_2006\): min \(80.0\) must not exceed mean"),
        ("table1.csv", "variable", "target_stretch", "mean", "abc", r"row 3 \(variable=target_stretch\): column 'mean' must be a number"),
        ("table1.csv", "variable", "ni1_2006", "max", "101", r"strictly between 0 and 100"),
        ("table1.csv", "variable", "target_on", "mean", "1.2", r"row 2 \(variable=target_on\)"),
        ("table2.csv", "term", "target_stretch", "robust_se", "0", r"row 27 \(model=3, term=target_stretch\): robust_se must be > 0"),
        ("table2.csv", "term", "target_on", "slope", "", r"row 14 \(model=2, term=target_on\): column 'slope' must be a number"),
        ("table2_fit.csv", "model", "3", "r_squared", "1.49", r"row 4 \(model=3\): r_squared must lie in \[0, 1\]"),
        ("table2_fit.csv", "model", "1", "n", "0", r"row 2 \(model=1\): n must be a positive whole number"),
        ("table2_fit.csv", "model", "3", "n", "151", r"row 4 \(model=3\): Model 3's N \(151\) must not exceed Model 2's"),
        ("table2_fit.csv", "model", "2", "n", "149", r"Model 1 and Model 2 must have the same N"),
        ("table2_fit.csv", "model", "2", "r_squared", "0.05", r"impossible for nested OLS"),
        ("table2_fit.csv", "model", "3", "n", "60", r"leaves -\d+ target areas with a value"),
        ("table1.csv", "variable", "target_stretch", "min", "0.5", r"min <= 0 <= max"),
    ],
)
def test_each_malformed_case_names_file_row_and_rule(tables, name, key_col, key, col, value, rule):
    set_cell(tables, name, key_col, key, col, value)
    with pytest.raises(PublishedTableError, match=rule) as err:
        read_published(tables, 86)
    assert str(tables / name) in str(err.value)


def test_missing_file_column_and_row(tables):
    (tables / "table2.csv").unlink()
    with pytest.raises(PublishedTableError, match=r"table2\.csv: file not found"):
        read_published(tables, 86)
    shutil.copy(default_directory() / "table2.csv", tables / "table2.csv")
    edit(tables, "table2_fit.csv", lambda df: df.drop(columns=["r_squared"]))
    with pytest.raises(PublishedTableError, match=r"table2_fit\.csv: missing column\(s\) \['r_squared'\]"):
        read_published(tables, 86)
    shutil.copy(default_directory() / "table2_fit.csv", tables / "table2_fit.csv")
    edit(tables, "table1.csv", lambda df: df[df["variable"] != "ni1_2008"])
    with pytest.raises(PublishedTableError, match=r"table1\.csv: variable=ni1_2008: required row is missing"):
        read_published(tables, 86)
    shutil.copy(default_directory() / "table1.csv", tables / "table1.csv")
    edit(tables, "table2.csv", lambda df: pd.concat([df, df[df["term"] == "target_on"]]))
    with pytest.raises(PublishedTableError, match=r"model=2, term=target_on\): row appears more than once"):
        read_published(tables, 86)
    with pytest.raises(PublishedTableError, match="directory not found"):
        read_published(tables / "nowhere", 86)


def test_another_papers_tables_of_the_same_design_are_read(tables):
    set_cell(tables, "table2.csv", "term", "target_stretch", "slope", "0.20")
    set_cell(tables, "table2_fit.csv", "model", "3", "r_squared", "0.30")
    pub = read_published(tables, 86)
    assert pub.summaries["m3_stretch_coef"] == 0.20 and pub.summaries["m3_r2"] == 0.30


def test_config_section_unknown_and_bad_keys():
    s = VerdictSettings.from_config({"seed": 3, "verdict": {"abc": {"population_size": 50},
                                                            "reachability": {"shares": [0, 0.5, 1]}}})
    assert s.seed == 3 and s.abc.population_size == 50 and s.reachability.shares == (0.0, 0.5, 1.0)
    with pytest.raises(ValueError, match=r"config verdict: unknown key\(s\) \['popsize'\]"):
        VerdictSettings.from_config({"seed": 1, "verdict": {"popsize": 3}})
    with pytest.raises(ValueError, match=r"config verdict.abc: unknown key\(s\) \['generations'\]"):
        VerdictSettings.from_config({"seed": 1, "verdict": {"abc": {"generations": 3}}})
    with pytest.raises(ValueError, match=r"verdict.reachability.shares must be"):
        VerdictSettings.from_config({"seed": 1, "verdict": {"reachability": {"shares": [1.5]}}})
    with pytest.raises(ValueError, match=r"distance_summaries: unknown or fixed summaries \['m3_n'\]"):
        VerdictSettings.from_config({"seed": 1, "verdict": {"abc": {"distance_summaries": ["m3_n"]}}})
    with pytest.raises(ValueError, match=r"verdict.abc.epsilon_quantile"):
        VerdictSettings.from_config({"seed": 1, "verdict": {"abc": {"epsilon_quantile": 1.0}}})
