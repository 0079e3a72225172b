"""The multiverse declared as data: options, ids, exclusions, config validation."""

from __future__ import annotations

import copy
import hashlib
import itertools
import math
from pathlib import Path

import pytest
import yaml

from specverse.study import controls, plan
from specverse.study.plan import ConfigError, Spec, build_multiverse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(load_config):
    return load_config()


def test_controls_options_expand_in_canonical_order():
    opts = plan.controls_options(["none", "block_subsets", "leave_one_out", "full"])
    assert opts[0] == "full" and opts[-1] == "none"
    assert opts[1:12] == [f"drop_{t}" for t in plan.CONTROL_TERMS]
    blocks = [o for o in opts if o.startswith("blocks_")]
    # The empty set is `none`, the full set `full`; the two unions of four blocks that leave
    # out a one-term block (deprivation, funding) are that term's drop_ option.
    assert len(blocks) == 2**5 - 2 - 2
    assert "blocks_diversity_size_funding_structure" not in opts and "drop_deprivation" in opts
    assert len(opts) == 1 + 11 + 28 + 1
    assert len({frozenset(plan.control_terms(o)) for o in opts}) == len(opts)
    assert len(plan.controls_options(["block_subsets"])) == 30  # no drop_ option to share a set with


def test_all_subsets_is_every_set_of_controls_once():
    opts = plan.controls_options(["all_subsets"])
    sets = {frozenset(plan.control_terms(o)) for o in opts}
    assert len(opts) == len(sets) == 2**11
    assert opts[0] == "full" and opts[-1] == "none"
    # The named options keep their names; listing them again adds nothing.
    assert plan.controls_options(["full", "leave_one_out", "all_subsets", "none"]) == opts
    assert set(plan.controls_options(["block_subsets", "leave_one_out"])) < set(opts)
    for option in opts:
        if option.startswith("subset_"):
            assert option == controls.subset_option(plan.control_terms(option))
            assert 0 < len(plan.control_terms(option)) < 10


def test_kept_blocks_enter_whole():
    structure = set(plan.BLOCKS["structure"])
    opts = plan.controls_options(["all_subsets"], keep_together=["structure"])
    assert len(opts) == 2**9
    for option in opts:
        assert len(structure & set(plan.control_terms(option))) in (0, 3), option
    with pytest.raises(ConfigError, match="keep_together: unknown block"):
        plan.controls_options(["all_subsets"], keep_together=["weather"])
    with pytest.raises(ConfigError, match="does not list"):
        plan.controls_options(["full"], keep_together=["structure"])


def test_control_terms_of_each_option_kind():
    assert plan.control_terms("full") == plan.CONTROL_TERMS
    assert plan.control_terms("none") == ()
    assert "nrf_area" not in plan.control_terms("drop_nrf_area")
    assert len(plan.control_terms("drop_nrf_area")) == 10
    assert plan.control_terms("blocks_deprivation_structure") == (
        "deprivation",
        "london_borough",
        "metropolitan_borough",
        "county_council",
    )
    # Every block subset is the union of its blocks, in Table 2 order.
    for option in plan.controls_options(["block_subsets"]):
        names = option[len("blocks_") :].split("_")
        expected = [t for t in plan.CONTROL_TERMS if any(t in plan.BLOCKS[b] for b in names)]
        assert list(plan.control_terms(option)) == expected
    with pytest.raises(ConfigError, match="not a control term"):
        plan.control_terms("drop_const")
    with pytest.raises(ConfigError, match="blocks must be among"):
        plan.control_terms("blocks_size_weather")
    assert plan.control_terms("subset_001") == ("deprivation",)
    assert plan.control_terms("subset_7ff") == plan.CONTROL_TERMS
    for bad in ("subset_800", "subset_1", "subset_0x1", "subset_00g"):
        with pytest.raises(ConfigError, match="expected subset_"):
            plan.control_terms(bad)


def test_ancova_adds_the_baseline_regressor():
    spec = Spec("causal", "published", "ancova", "target_on", "none", "all", "ols", "HC1")
    assert spec.intended_controls() == ("ni1_2006",)
    assert Spec(*(["causal", "published", "pct_change"] + list(spec.choices().values())[3:])).intended_controls() == ()


def test_spec_id_is_blake2b_of_the_canonical_choices_and_stable():
    spec = Spec("causal", "published", "pct_change", "stretch_2006", "full", "all", "ols", "HC1")
    canonical = (
        "scenario=causal;baseline=published;outcome=pct_change;treatment=stretch_2006;"
        "controls=full;sample=all;estimator=ols;se_type=HC1"
    )
    assert spec.canonical() == canonical
    assert spec.spec_id == hashlib.blake2b(canonical.encode(), digest_size=6).hexdigest()
    assert len(spec.spec_id) == 12
    # A literal value: the id must never change across versions or processes.
    assert spec.spec_id == "ac6d37caadf3"
    # Every choice moves the id; the model identity ignores only se_type.
    other = Spec("causal", "published", "pct_change", "stretch_2006", "full", "all", "ols", "HC3")
    assert other.spec_id != spec.spec_id
    assert other.model_identity() == spec.model_identity()
    assert "se_type" not in spec.model_identity()


def test_spec_ids_are_unique_over_the_full_multiverse(load_config):
    universe = build_multiverse(load_config("full.yaml"))
    all_specs = universe.specs()
    ids = {s.spec_id for s in all_specs}
    assert len(ids) == len(all_specs) == 2 * 2 * 4 * 5 * 41 * 5 * 3 * 3


def test_default_config_resolves_every_dimension(config):
    universe = build_multiverse(config)
    assert universe.options["scenario"] == ("causal", "mechanical")
    assert universe.options["treatment"] == plan.TREATMENTS
    assert len(universe.options["controls"]) == 41
    assert universe.fan_out == ("scenario", "treatment")
    assert len(universe.cells()) == 10
    assert {tuple(c.items()) for c in universe.cells()} == {
        (("scenario", s), ("treatment", t)) for s in ("causal", "mechanical") for t in plan.TREATMENTS
    }


def test_cells_partition_the_multiverse(config, load_config):
    cfg = load_config("test.yaml")
    whole = build_multiverse({**cfg, "fan_out": []}).specs()
    for fan_out in (["scenario", "treatment"], list(plan.FAN_OUT_DIMENSIONS)):
        universe = build_multiverse({**cfg, "fan_out": fan_out})
        pieces = list(itertools.chain.from_iterable(universe.specs(c) for c in universe.cells()))
        assert sorted(pieces) == sorted(whole)
        assert len(set(pieces)) == len(pieces)


def test_user_csv_collapses_scenarios_to_observed(config):
    config["data"] = {"source": "csv", "path": "mine.csv", "scenarios": ["causal", "mechanical"]}
    assert build_multiverse(config).options["scenario"] == ("observed",)


def test_cell_label():
    assert plan.cell_label({}, ()) == "all"
    assert plan.cell_label({"scenario": "causal", "sample": "all"}, ("scenario", "sample")) == "scenario~causal/sample~all"


def test_static_exclusion_huber_hc(config):
    universe = build_multiverse(config)
    huber_hc1 = Spec("causal", "published", "pct_change", "target_on", "full", "all", "huber", "HC1")
    rule = universe.static_exclusion(huber_hc1)
    assert rule is not None and rule.status.startswith("excluded: Huber")
    assert universe.static_exclusion(huber_hc1.__class__(**{**huber_hc1.choices(), "se_type": "classical"})) is None
    assert universe.static_exclusion(huber_hc1.__class__(**{**huber_hc1.choices(), "estimator": "ols"})) is None


def test_data_exclusions_declared_in_config(config):
    universe = build_multiverse(config)
    conditions = {r.if_data for r in universe.exclusions if r.if_data}
    assert conditions == set(plan.DATA_CONDITIONS)
    laa = Spec("causal", "published", "pct_change", "stretch_laa_only", "full", "all", "ols", "HC1")
    assert [r.if_data for r in universe.data_exclusions(laa)] == ["no_laa_rows", "dropped_term_constant"]


def _bad(config, match):
    with pytest.raises(ConfigError, match=match):
        build_multiverse(config)


def test_impossible_configurations_are_rejected_with_a_clear_message(config):
    c = copy.deepcopy(config)
    c["multiverse"]["treatment"] = []
    _bad(c, r"multiverse.treatment is empty")

    c = copy.deepcopy(config)
    c["multiverse"]["estimator"] = ["huber"]
    c["multiverse"]["se_type"] = ["HC1", "HC3"]
    _bad(c, r"every specification with treatment=target_on is excluded")

    c = copy.deepcopy(config)
    c["fan_out"] = ["se_type"]
    _bad(c, r"se_type is never fanned out")

    c = copy.deepcopy(config)
    c["multiverse"]["exclusions"] = [{"when": {"colour": ["red"]}, "reason": "x"}]
    _bad(c, r"exclusions\[0\].when names unknown dimension 'colour'")

    c = copy.deepcopy(config)
    c["multiverse"]["exclusions"] = [{"when": {"controls": ["drop_weather"]}, "reason": "x"}]
    _bad(c, r"exclusions\[0\].when.controls: unknown option")

    c = copy.deepcopy(config)
    c["multiverse"]["exclusions"] = [{"reason": "everything"}]
    _bad(c, r"neither `when` nor `if_data`")

    c = copy.deepcopy(config)
    c["multiverse"]["exclusions"] = [{"when": {"sample": ["all"]}, "reason": " "}]
    _bad(c, r"non-empty reason")

    c = copy.deepcopy(config)
    c["multiverse"]["exclusions"] = [{"when": {"sample": ["all"]}, "if_data": "rainy", "reason": "x"}]
    _bad(c, r"unknown condition 'rainy'")

    c = copy.deepcopy(config)
    c["multiverse"]["outcome"] = ["pct_change", "pct_change"]
    _bad(c, r"lists an option twice")

    c = copy.deepcopy(config)
    c["data"]["scenarios"] = []
    _bad(c, r"data.scenarios is empty")

    c = copy.deepcopy(config)
    c["multiverse"]["sample"] = ["no_influential"]
    _bad(c, r"multiverse.sample lists only post-selection samples \['no_influential'\].*add a fixed sample")

    c = copy.deepcopy(config)
    c["multiverse"]["exclusions"] = [{"when": {"sample": ["all", "no_london"]}, "reason": "x"}]
    c["multiverse"]["sample"] = ["all", "no_london"]
    _bad(c, r"every specification with treatment=target_on is excluded")


def test_table_layout_and_joint_test_must_agree(load_config):
    from specverse.study.plan import check_table_layout

    check_table_layout(load_config("config.yaml"))
    check_table_layout(load_config("all_subsets.yaml"))
    partitioned = load_config("all_subsets.yaml")
    partitioned["joint_test"]["enabled"] = True
    with pytest.raises(ConfigError, match="set joint_test.enabled: false"):
        check_table_layout(partitioned)
    whole = load_config("config.yaml")
    whole["joint_test"] = {"enabled": False}
    with pytest.raises(ConfigError, match="only table.layout: partitioned supports"):
        check_table_layout(whole)
    whole = load_config("config.yaml")
    whole["table"] = {"csv": True}
    with pytest.raises(ConfigError, match="table.csv applies to table.layout: partitioned"):
        check_table_layout(whole)


def test_cell_values_must_be_configured(config):
    universe = build_multiverse(config)
    with pytest.raises(ConfigError, match="not among the configured options"):
        universe.specs({"treatment": "bogus"})


def test_shipped_configs_are_valid_and_sized(load_config):
    for name, n_specs in (("config.yaml", 147_600), ("test.yaml", None), ("full.yaml", 147_600),
                          ("all_subsets.yaml", 2 * 2 * 4 * 5 * 2048 * 5 * 3 * 3)):
        universe = build_multiverse(load_config(name))
        if n_specs is not None:  # every combination is a specification (an excluded one is a row)
            assert math.prod(len(v) for v in universe.options.values()) == n_specs
    test = build_multiverse(load_config("test.yaml"))
    # every dimension is present in the test configuration, with more than one option
    assert all(len(test.options[d]) >= 2 for d in plan.DIMENSIONS)


def test_workflow_layout_paths_and_wildcards(config):
    from specverse.study.workflow_layout import WorkflowLayout

    layout = WorkflowLayout(build_multiverse(config))
    assert layout.cell == "results/multiverse/cells/scenario~{scenario}/treatment~{treatment}.parquet"
    assert layout.wildcard_constraints == {
        "scenario": "causal|mechanical",
        "baseline": "published|lsp_preferred",
        "treatment": "target_on|stretch_2006|stretch_2008|stretch_laa_only|target_on_and_stretch",
    }
    assert layout.scenario_variants({"scenario": "causal"}) == [
        "results/variants/causal/published.parquet",
        "results/variants/causal/lsp_preferred.parquet",
    ]
    assert layout.cell_variants({"scenario": "causal", "treatment": "target_on"}) == [
        "results/variants/causal/published.parquet",
        "results/variants/causal/lsp_preferred.parquet",
    ]
    files = layout.cell_files()
    assert len(files) == 10 and files[0] == "results/multiverse/cells/scenario~causal/treatment~target_on.parquet"
    empty = WorkflowLayout(build_multiverse({**config, "fan_out": []}))
    assert empty.cell == "results/multiverse/cells/all.parquet"
    assert empty.cell_files() == [empty.cell]
    assert len(empty.cell_variants({})) == 4
    by_baseline = WorkflowLayout(build_multiverse({**config, "fan_out": ["baseline", "scenario"]}))
    # canonical dimension order, whatever order the config lists them in
    assert by_baseline.cell.startswith("results/multiverse/cells/scenario~{scenario}/baseline~{baseline}")
    assert by_baseline.cell_variants({"scenario": "mechanical", "baseline": "published"}) == ["results/variants/mechanical/published.parquet"]
    # a family's kept wild draws: its one cell, the single cell, or every cell holding it
    family = {"scenario": "causal", "treatment": "target_on"}
    assert layout.family_wild_null(family) == [
        "results/multiverse/cells/scenario~causal/treatment~target_on_wild_null.npz"]
    assert empty.family_wild_null(family) == ["results/multiverse/cells/all_wild_null.npz"]
    assert by_baseline.family_wild_null(family) == [
        "results/multiverse/cells/scenario~causal/baseline~published_wild_null.npz",
        "results/multiverse/cells/scenario~causal/baseline~lsp_preferred_wild_null.npz"]
