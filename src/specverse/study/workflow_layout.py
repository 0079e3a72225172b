"""Where the multiverse meets Snakemake: the data variants' and fan-out cells' paths,
wildcard constraints and job inputs.

Pure Python (imported when the Snakefile is parsed). workflow/rules/common.smk builds one
:class:`WorkflowLayout` from the validated multiverse; the rules use its attributes and
bound methods, so the rule files hold no path logic of their own.
"""

from __future__ import annotations

import re
from typing import Mapping

from .plan import Multiverse, cell_label

VARIANT = "variants/{scenario}/{baseline}.parquet"
CELLS_DIR = "multiverse/cells"


class WorkflowLayout:
    """Paths and wildcard helpers for one validated multiverse, below the run's results
    folder ``root`` (:mod:`.runs`)."""

    def __init__(self, universe: Multiverse, root: str = "results"):
        self.universe = universe
        self.root = root
        self.cells_dir = f"{root}/{CELLS_DIR}"
        label = cell_label({d: "{" + d + "}" for d in universe.fan_out}, universe.fan_out)
        self.variant = f"{root}/{VARIANT}"
        self.variant_log = f"{root}/logs/multiverse/make_variant/{{scenario}}/{{baseline}}.log"
        self.variant_benchmark = f"{root}/benchmarks/multiverse/make_variant/{{scenario}}/{{baseline}}.tsv"
        self.cell = f"{self.cells_dir}/{label}.parquet"
        self.cell_wild_null = f"{self.cells_dir}/{label}_wild_null.npz"
        self.cell_csv = f"{self.cells_dir}/{label}.csv"
        self.cell_log = f"{root}/logs/multiverse/estimate_cell/{label}.log"
        self.cell_benchmark = f"{root}/benchmarks/multiverse/estimate_cell/{label}.tsv"

    def variant_path(self, scenario: str, baseline: str) -> str:
        return self.variant.format(scenario=scenario, baseline=baseline)

    def constraints(self, dims) -> dict[str, str]:
        """Wildcard constraints from the configured options: exact alternations."""
        return {d: "|".join(re.escape(v) for v in self.universe.options[d]) for d in dims}

    @property
    def wildcard_constraints(self) -> dict[str, str]:
        """Every wildcard the workflow uses: the variants', the figures' and the cells'."""
        dims = dict.fromkeys(("scenario", "baseline", "treatment", *self.universe.fan_out))
        return self.constraints(dims)

    def cell_of(self, wildcards: Mapping[str, str]) -> dict[str, str]:
        """The cell (fanned-out dimension -> option) a job's wildcards name."""
        return {d: str(wildcards[d]) for d in self.universe.fan_out}

    def scenario_variants(self, wildcards: Mapping[str, str]) -> list[str]:
        """The data variants of one scenario, one per configured baseline."""
        return [self.variant_path(wildcards["scenario"], b) for b in self.universe.options["baseline"]]

    def cell_variants(self, wildcards: Mapping[str, str]) -> list[str]:
        """The data variants a cell reads: its scenario(s) x baseline(s)."""
        cell = self.cell_of(wildcards)
        scenarios = [cell["scenario"]] if "scenario" in cell else self.universe.options["scenario"]
        baselines = [cell["baseline"]] if "baseline" in cell else self.universe.options["baseline"]
        return [self.variant_path(s, b) for s in scenarios for b in baselines]

    def cell_files(self) -> list[str]:
        """Every cell's output, in canonical order (the aggregation's input)."""
        return [f"{self.cells_dir}/{cell_label(c, self.universe.fan_out)}.parquet" for c in self.universe.cells()]

    def family_wild_null(self, wildcards: Mapping[str, str]) -> list[str]:
        """The kept wild draws of every cell holding models of one family (the job's
        scenario and treatment), in canonical order: one cell under the default fan-out."""
        family = {d: str(wildcards[d]) for d in ("scenario", "treatment")}
        return [f"{self.cells_dir}/{cell_label(c, self.universe.fan_out)}_wild_null.npz" for c in self.universe.cells()
                if all(c.get(d, v) == v for d, v in family.items())]
