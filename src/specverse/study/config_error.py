"""The one error a configuration that cannot be run raises (named key, plain message)."""


class ConfigError(ValueError):
    """An impossible or inconsistent multiverse configuration."""
