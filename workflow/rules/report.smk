# Stage: report. (rules added by the report work)
TARGETS["report"] = []
