"""Study-agnostic batched regression engine.

Estimation: :func:`fit_full` (one regression, every coefficient) and
:func:`fit_specs` (many specifications at once: OLS, WLS, Huber).
Resampling inference: :func:`resample`; per-specification seeds: :func:`spec_seed`.
"""

from .fit import fit_full, fit_specs
from .resampling import resample
from .results import FullFit
from .seeds import spec_seed
from .specs import RegSpec

__all__ = ["FullFit", "RegSpec", "fit_full", "fit_specs", "resample", "spec_seed"]
