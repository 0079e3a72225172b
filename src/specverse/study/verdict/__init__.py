"""The verdict on the published numbers: could the paper's +.651 (SE .090, R^2 .14 -> .49)
and +.952 (SE .659) arise without any effect of targets?

Simulation-based inference (pyabc ABC-SMC) of a generative model of the study, given only
what the paper published (Tables 1 and 2) plus the real 2008 figures and the Table 2
controls of the run's data.  Every simulated study is SIMULATED BY DESIGN; the verdict is
a statement about which simulated worlds reproduce the published tables, under the
assumptions docs/verdict.md lists.

Entry points (module ``run``): :func:`run_verdict` (the workflow's stage) and
:func:`run_calibration` (the validation).  Modules: ``published``
(tables), ``anchor`` (the run's data), ``priors``, ``model`` (the generative model),
``summaries``, ``sampler`` + ``inference`` (ABC-SMC), ``posterior``, ``predictive``,
``reachability``, ``calibration``, ``verdict_text``, ``settings``.

The package loads its modules on first use (pyabc alone takes seconds to import), so the
workflow can validate published tables at parse time through ``published`` cheaply.
"""

from __future__ import annotations

from specverse.lazy import lazy_getattr

#: Public name -> the module that defines it (loaded on first use).
_HOMES = {
    "AbcSettings": ".inference",
    "CalibrationSettings": ".settings",
    "PARAMETERS": ".priors",
    "PublishedTableError": ".published",
    "ReachSettings": ".settings",
    "VerdictSettings": ".settings",
    "OUTPUTS": ".run",
    "prepare": ".run",
    "run_verdict": ".run",
    "run_calibration": ".run",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_getattr(__name__, _HOMES)
