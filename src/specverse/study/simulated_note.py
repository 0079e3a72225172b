"""The visible note that every figure and table built on simulated columns carries.

The embedded dataset mixes observed public figures with columns simulated to
match the paper's Table 1 (see results/<run>/data/codebook.csv, column ``provenance``).
A reader must never mistake a result on those columns for a finding about real
areas, so every output names the simulated columns and the scenario.  A user's
own data (scenario ``observed``) carries no note.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .derive import DERIVED_INPUTS

SIMULATED = "simulated"
OBSERVED_SCENARIO = "observed"

SCENARIO_MEANING = {
    "causal": "targets raise cohesion by the paper's Model 3 slope",
    "mechanical": "targets have no effect; 2011 targets set from the 2008 figure",
}


def simulated_columns(codebook: pd.DataFrame) -> list[str]:
    """Columns whose provenance is ``simulated``, in codebook order."""
    missing = {"column", "provenance"} - set(codebook.columns)
    if missing:
        raise ValueError(f"codebook lacks column(s) {sorted(missing)}")
    prov = codebook["provenance"].astype(str).str.strip().str.lower()
    cols = codebook.loc[prov == SIMULATED, "column"].astype(str).tolist()
    # `scenario` labels which simulation a row belongs to; the note names it separately.
    return [c for c in cols if c != "scenario"]


def simulated_note(codebook: pd.DataFrame, scenarios: str | Iterable[str]) -> str:
    """The note text for an output built on ``scenarios``; empty for real data.

    ``scenarios`` is one scenario name or several (a figure that shows both
    simulated scenarios names both).  The note is empty when every scenario is
    ``observed`` (a user's file) or when the codebook marks nothing simulated.
    """
    names = [scenarios] if isinstance(scenarios, str) else list(scenarios)
    simulated_scen = [s for s in dict.fromkeys(names) if s != OBSERVED_SCENARIO]
    cols = simulated_columns(codebook)
    if not simulated_scen or not cols:
        return ""
    scen = "; ".join(
        f"'{s}' ({SCENARIO_MEANING[s]})" if s in SCENARIO_MEANING else f"'{s}'"
        for s in simulated_scen
    )
    label = "scenario" if len(simulated_scen) == 1 else "scenarios"
    derived = [d for d, inputs in DERIVED_INPUTS.items() if set(inputs) & set(cols)]
    derived_text = f" (and what is derived from them: {', '.join(derived)})" if derived else ""
    return (
        f"SIMULATED DATA - {label} {scen}. Simulated columns: {', '.join(cols)}{derived_text}, "
        "calibrated to the paper's Table 1. These results describe the simulation, not real areas."
    )
