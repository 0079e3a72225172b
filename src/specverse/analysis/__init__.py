"""Aggregates of estimates: the only layer that turns the specification table (and the
engine's draws) into summaries, joint tests, influence, sensitivity and calibration
tables.  It writes tables; it never plots (figures read its tables) and never fits a
regression or draws a random number itself (the engine does)."""
