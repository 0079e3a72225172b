"""The analysis dataset (one row per area x scenario) and its codebook.

Embedded source: the committed public figures (data/areas.csv) plus the simulated
columns of each configured scenario. CSV source: the user's file, validated against
the schema, as the single `observed` scenario.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from specverse.study import schema, simulate

ANALYSIS_COLUMNS = (*schema.SCHEMA_COLUMNS, "scenario")
CODEBOOK_COLUMNS = ("column", "definition", "unit", "source", "provenance")
PROVENANCES = ("observed", "approximate", "proxy", "imputed", "simulated")
COLUMNS_FILE = "areas_columns.csv"

# What each scenario rule does to the simulated columns (codebook `source`).
SCENARIO_RULES = {
    "causal": "causal rule: pct_change = const + controls x Table 2 Model 3 slopes + 0.651 x stretch "
    "+ noise (sd from Model 3's R^2); ni1_2006 = ni1_2008 / (1 + pct_change/100); "
    "target_2011 = ni1_2006 x (1 + stretch/100)",
    "mechanical": "mechanical rule: targets have no effect; pct_change = const + controls x Model 1 "
    "slopes + noise (sd from Model 1's R^2); ni1_2006 = ni1_2008 / (1 + pct_change/100); "
    "target_2011 = ni1_2008 + uplift",
}
SIMULATED_SOURCE = {
    "ethnic_diversity": "rank-assigned to Table 1's distribution; higher in London boroughs and with "
    "density and deprivation (same draw in every scenario)",
    "age_diversity": "rank-assigned to Table 1's distribution; mildly lower with density (same draw "
    "in every scenario)",
    "social_class_diversity": "rank-assigned to Table 1's distribution; lower with deprivation (same "
    "draw in every scenario)",
    "target_on": "86 areas incl. the ten the paper names; others likelier with diversity and "
    "deprivation (same draw in every scenario)",
    "target_2011": "known for 67 of the 86 target areas (19 missing at random); the five toughest get "
    "the largest stretch, the five softest the smallest",
    "ni1_2006": "backed out of the observed ni1_2008 and a simulated pct_change; mean and sd "
    "calibrated to Table 1",
    "ni1_2006_lsp": "the five softest-target areas only: the published baseline minus 1-4 points "
    "(the paper says they preferred lower figures); empty elsewhere",
}


def _simulated_entry(column: str, scenarios) -> dict:
    col = schema.BY_NAME[column]
    rules = "; ".join(SCENARIO_RULES[s] for s in scenarios)
    return {
        "column": column,
        "definition": f"SIMULATED, not data about real areas. {col.definition}",
        "unit": col.unit,
        "source": f"specverse.study.simulate: {SIMULATED_SOURCE[column]}. Scenario rules: {rules}",
        "provenance": "simulated",
    }


def embedded_codebook(data_dir, scenarios) -> pd.DataFrame:
    public = pd.read_csv(Path(data_dir) / COLUMNS_FILE, keep_default_na=False).set_index("column")
    rows = []
    for col in schema.COLUMNS:
        if col.name in simulate.SIMULATED_COLUMNS:
            rows.append(_simulated_entry(col.name, scenarios))
            continue
        if col.name not in public.index:
            raise ValueError(f"{Path(data_dir) / COLUMNS_FILE}: no entry for column '{col.name}'")
        entry = public.loc[col.name]
        rows.append({"column": col.name, "definition": entry["definition"], "unit": entry["unit"],
                     "source": entry["source"], "provenance": entry["provenance"]})
    rows.append({
        "column": "scenario",
        "definition": "which simulated data-generating scenario the row belongs to ("
        + ", ".join(scenarios) + "); every simulated column differs by scenario",
        "unit": "label",
        "source": "specverse.study.simulate. " + "; ".join(SCENARIO_RULES[s] for s in scenarios),
        "provenance": "simulated",
    })
    return _check_codebook(pd.DataFrame(rows, columns=CODEBOOK_COLUMNS))


def user_codebook(path) -> pd.DataFrame:
    source = f"user-supplied file {Path(path).name}"
    rows = [{"column": c.name, "definition": c.definition, "unit": c.unit, "source": source,
             "provenance": "observed"} for c in schema.COLUMNS]
    rows.append({"column": "scenario", "definition": "observed: the rows are the user's own data",
                 "unit": "label", "source": source, "provenance": "observed"})
    return _check_codebook(pd.DataFrame(rows, columns=CODEBOOK_COLUMNS))


def _check_codebook(book: pd.DataFrame) -> pd.DataFrame:
    bad = book.loc[~book["provenance"].isin(PROVENANCES), ["column", "provenance"]]
    if len(bad):
        raise ValueError(f"codebook provenance outside {PROVENANCES}: {bad.to_dict('records')}")
    return book


def embedded_dataset(areas: pd.DataFrame, seed: int, scenarios) -> pd.DataFrame:
    frames = []
    for scenario in scenarios:
        frame = simulate.simulate_scenario(areas, seed, scenario)
        # The simulation must itself satisfy the contract users are held to.
        schema.check_frame(frame, f"<simulated scenario {scenario}>")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[list(ANALYSIS_COLUMNS)]


def build_dataset(config: dict, data_dir="data") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(analysis, codebook) for the workflow config (keys seed and data.source/path/scenarios)."""
    data = config.get("data", {})
    if data.get("source", "embedded") == "csv":
        path = data.get("path")
        if not path:
            raise ValueError("config data.source is 'csv' but data.path is not set")
        df = schema.validate_user_file(path)
        df["scenario"] = "observed"
        return df[list(ANALYSIS_COLUMNS)], user_codebook(path)
    from specverse.study.public_data import load_public_areas

    scenarios = list(data.get("scenarios", simulate.SCENARIO_NAMES))
    areas = load_public_areas(data_dir)
    return embedded_dataset(areas, int(config["seed"]), scenarios), embedded_codebook(data_dir, scenarios)


def read_analysis(path) -> pd.DataFrame:
    """results/<run>/data/analysis.csv with schema dtypes (empty cells are NaN)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = schema.coerce(raw)
    out["scenario"] = raw["scenario"].astype(str).to_numpy()
    return out
