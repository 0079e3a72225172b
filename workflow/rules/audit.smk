# Stage: audit. (rules added by the audit work)
TARGETS["audit"] = []
