# Stage: replicate. (rules added by the replicate work)
TARGETS["replicate"] = []
