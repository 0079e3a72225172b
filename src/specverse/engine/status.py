"""Status codes of a specification's fit (kept as small ints internally)."""

OK = 0
TOO_FEW_ROWS = 1  # n <= k: no residual degrees of freedom
CONSTANT_TREATMENT = 2  # a reported term does not vary in the sample
RANK_DEFICIENT = 3  # regressors collinear in the sample (linalg.RANK_RTOL)
NOT_CONVERGED = 4  # huber: IRLS reached the iteration limit
SE_TYPE_NOT_APPLICABLE = 5  # huber: HC standard errors are not defined for RLM
LEVERAGE_ONE = 6  # HC2/HC3 undefined: an observation has leverage 1 (e.g. a one-row dummy)
CONSTANT_OUTCOME = 7  # the outcome does not vary in the sample

NAMES = (
    "ok",
    "too_few_rows",
    "constant_treatment",
    "rank_deficient",
    "not_converged",
    "se_type_not_applicable",
    "leverage_one",
    "constant_outcome",
)
