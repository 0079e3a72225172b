"""The mechanical-bias audit: can survey sampling error or target-setting alone make a stretch slope?

Every dataset here is SIMULATED BY DESIGN.  Survey sampling error (binomial, Kish
effective sample size ``respondents / design_effect``) is drawn around fixed true NI1
levels anchored on one analysis dataset (a user's observed file, else the embedded
``mechanical`` scenario).  In the mechanical designs no target has any effect; targets
are set by a rule:

* ``a_published_2006`` target = published 2006 survey figure + an independent stretch;
* ``b_from_2008``      target = 2008 survey figure + an uplift;
* ``c_mix_<q>``        each target set from 2008 with probability q, else as in (a);
* ``d_true_level_2006`` target = the area's true 2006 level + an independent stretch (the
  classic regression-to-the-mean case: the target does not move with the published error);
* ``causal``           targets as in (a) and the true 2008 level rises by ``causal_effect``
  per point of stretch (the power scenario).

Modules: ``settings`` (config, designs, labels), ``anchor`` (:func:`calibrate`, part 3:
the anchor's noise and levels), ``simulation`` (simulated panels and the arrays a
specification family fits), ``expectation`` (:func:`expected_slope`, derived in
docs/audit.md), ``tables`` (:func:`null_slopes`, part 1; :func:`discrimination`, part 2;
:func:`calibration_table`).
"""

from .anchor import REQUIRED, Anchor, Panel, anchor_note, calibrate, observed_panel
from .expectation import expected_slope
from .settings import MODELS, PUBLISHED, AuditSettings, Design, design_label, designs
from .simulation import family_arrays, simulate
from .tables import calibration_table, discrimination, null_slopes

__all__ = [
    "AuditSettings",
    "Anchor",
    "Design",
    "MODELS",
    "Panel",
    "PUBLISHED",
    "REQUIRED",
    "calibrate",
    "designs",
    "simulate",
    "observed_panel",
    "family_arrays",
    "expected_slope",
    "null_slopes",
    "discrimination",
    "design_label",
    "anchor_note",
    "calibration_table",
]
