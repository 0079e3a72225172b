"""The partitioned table's streamed aggregates (specverse.analysis.table_scan): the same
numbers as the whole-table summary, and the same whatever the partitioning and batch size."""

import numpy as np
import pandas as pd
import pytest

from specverse import io
from specverse.analysis.models import model_table
from specverse.analysis.summary import summarize
from specverse.analysis.table_scan import scan_table
from specverse.study import variants
from specverse.study.evaluate import evaluate_cell
from specverse.study.plan import build_multiverse

INFERENCE = dict(alpha=0.05, headline="wild", studentized="HC1")
SHARED_KEYS = ("scenario", "treatment", "term", "models", "models_not_usable", "models_post_selection_apart",
               "median_estimate_common", "share_positive", "share_significant_positive_headline", "post_selection")


@pytest.fixture(scope="module")
def specs(make_areas, load_config):
    """All subsets of the controls (three blocks kept whole: 32 sets) on a small multiverse
    with wild-bootstrap p-values, both scenarios."""
    areas = make_areas(scenarios=("causal", "mechanical"))
    config = load_config("test.yaml")
    config["multiverse"].update(
        baseline=["published"], outcome=["pct_change", "ancova"],
        treatment=["stretch_2006", "target_on_and_stretch"], controls=["all_subsets"],
        keep_together=["diversity", "size", "structure"], sample=["all", "no_influential"],
        estimator=["ols", "huber"], se_type=["HC1", "HC3", "classical"])
    config["inference"].update(methods=["wild"], draws=49)
    universe = build_multiverse(config)
    assert len(universe.options["controls"]) == 32
    tables = {(s, "published"): variants.build_variant(areas, s, "published") for s in ("causal", "mechanical")}
    return pd.concat([evaluate_cell(tables, universe, {"scenario": s}, seed=config["seed"],
                                    inference=config["inference"]) for s in ("causal", "mechanical")],
                     ignore_index=True)


def partitions(specs: pd.DataFrame, by: list[str], folder) -> list[str]:
    paths = []
    for i, (_, part) in enumerate(specs.groupby(by, sort=True)):
        paths.append(str(folder / f"part{i}.parquet"))
        io.write_parquet(part, paths[-1])
    return paths


def test_scan_equals_the_whole_table_summary(specs, tmp_path):
    whole = summarize(specs, model_table(specs, studentized="HC1", headline="wild"), alpha=0.05,
                      headline="wild", studentized="HC1")
    scan = scan_table(partitions(specs, ["scenario", "outcome"], tmp_path), **INFERENCE, batch_rows=1000).summary
    assert [c["term"] for c in scan["curves"]] == [c["term"] for c in whole["curves"]]
    for mine, ref in zip(scan["curves"], whole["curves"]):
        for key in SHARED_KEYS:
            assert mine[key] == ref[key], (mine["treatment"], mine["term"], key)
        for method, share in mine["share_significant"].items():
            assert share == ref["share_significant"][method], method
            assert mine["models_with_p"][method] == ref["models_with_p"][method], method
    for key in ("specification_rows", "models", "models_usable", "models_post_selection", "rows_by_status"):
        assert scan["counts"][key] == whole["counts"][key], key
    assert set(scan["inference"]["methods"]) == {"HC1", "HC3", "classical", "huber", "wild"}


def test_scan_does_not_depend_on_partitioning_or_batch_size(specs, tmp_path):
    runs = []
    for i, (by, batch) in enumerate([(["scenario", "treatment"], 1000), (["scenario", "outcome", "sample"], 7919),
                                     (["spec_id"], 10**6)]):
        folder = tmp_path / str(i)
        folder.mkdir()
        paths = partitions(specs.sample(frac=1, random_state=i), by, folder)  # rows in any order
        runs.append(scan_table(paths[::-1] if i else paths, **INFERENCE, batch_rows=batch))
    for other in runs[1:]:
        assert {**other.summary, "table": None} == {**runs[0].summary, "table": None}
        pd.testing.assert_frame_equal(other.inclusion, runs[0].inclusion)


def test_control_inclusion_by_hand(specs, tmp_path):
    inclusion = scan_table(partitions(specs, ["scenario"], tmp_path), **INFERENCE).inclusion
    models = model_table(specs, studentized="HC1", headline="wild")
    fixed = models[(models["status"] == "ok") & ~models["post_selection"]]
    assert set(inclusion["control"]) == {"deprivation", "age_diversity", "ethnic_diversity", "social_class_diversity",
                                         "log_population", "log_population_density", "population_growth",
                                         "nrf_area", "london_borough", "metropolitan_borough", "county_council"}
    for _, row in inclusion.sample(8, random_state=1).iterrows():
        curve = fixed[(fixed["scenario"] == row["scenario"]) & (fixed["treatment"] == row["treatment"])
                      & (fixed["term"] == row["term"])]
        inside = curve["control_terms"].str.split(";").map(lambda terms: row["control"] in terms)
        assert row["models_with"] == inside.sum() and row["models_without"] == (~inside).sum()
        assert row["median_with"] == np.median(curve.loc[inside, "estimate_common"])
        assert row["median_without"] == np.median(curve.loc[~inside, "estimate_common"])
        p = curve["p_wild"]
        covered = p.notna()
        assert row["share_significant_with"] == pytest.approx((p[inside & covered] < 0.05).mean(), abs=0)
        assert row["share_significant_without"] == pytest.approx((p[~inside & covered] < 0.05).mean(), abs=0)
