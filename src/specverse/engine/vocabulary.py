"""The engine's vocabulary: the names of what it can estimate and how it can infer.

Dependency-free on purpose: the multiverse plan and the config checks read these at
Snakefile parse time, in every job, without loading numpy.
"""

#: Coefficient covariance types (statsmodels' names; "classical" = nonrobust).
SE_TYPES = ("classical", "HC0", "HC1", "HC2", "HC3")
#: SE types whose meat divides by a power of 1 - h (h = leverage).
LEVERAGE_SE_TYPES = ("HC2", "HC3")
#: Estimators of fit_specs / resample.
ESTIMATORS = ("ols", "wls", "huber")
#: Resampling methods of resample, and their options.
RESAMPLING_METHODS = ("wild", "pairs", "permutation")
WILD_WEIGHTS = ("rademacher", "webb")
PERMUTATION_KINDS = ("freedman_lane", "treatment")
#: Every inference method a p-value can come from: an analytic SE type or a resampling.
INFERENCE_METHODS = (*SE_TYPES, *RESAMPLING_METHODS)
