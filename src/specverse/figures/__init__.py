"""Figures, aggregate tables and report tables built from the specification table.

Modules (imported on demand: matplotlib is loaded only by the plotting ones):
``curve`` specification curves and p-value curves; ``joint`` / ``joint_study`` /
``joint_figure`` joint inference on the curve (Simonsohn, Simmons & Nelson);
``influence`` Young & Holsteen summary, influence regression, variance decomposition;
``nulls`` null distributions of the paper's Models 2 and 3; ``replication`` Table 2
against the published; ``notes`` the simulated-data note; ``tables`` HTML tables;
``build`` the one-call entry points used by workflow/scripts.
"""
