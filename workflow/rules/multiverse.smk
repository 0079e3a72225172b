# Stage: multiverse. (rules added by the multiverse work)
TARGETS["multiverse"] = []
