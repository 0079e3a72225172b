"""Snakemake script: Tables 1 and 2 beside the published (see specverse.study.replicate)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.study import replicate  # noqa: E402
from specverse import io  # noqa: E402
from specverse.study.dataset import read_analysis  # noqa: E402

out = snakemake.output  # noqa: F821
se_type = snakemake.params.se_type  # noqa: F821
analysis = read_analysis(snakemake.input.analysis)  # noqa: F821
codebook = pd.read_csv(snakemake.input.codebook, keep_default_na=False)  # noqa: F821
t1 = replicate.table1(analysis, codebook)
t2, fit = replicate.table2(analysis, se_type=se_type)
io.write_csv(t1, out.table1)
io.write_text(replicate.table1_markdown(t1, codebook), out.table1_md)
io.write_csv(t2, out.table2)
io.write_text(replicate.table2_markdown(t2, fit, codebook, se_type), out.table2_md)
io.write_text(replicate.table2_latex(t2, fit, codebook, se_type), out.table2_tex)
io.write_csv(fit, out.fit)
print(f"Table 1: {len(t1)} rows; Table 2: {len(t2)} rows; fit: {len(fit)} rows", file=sys.stderr)
