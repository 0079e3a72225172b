# Stage: data. (rules added by the data work)
TARGETS["data"] = []
