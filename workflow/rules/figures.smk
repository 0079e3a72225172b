# Stage: figures. (rules added by the figures work)
TARGETS["figures"] = []
