"""The run's configuration checked against workflow/schemas/config.schema.yaml, every
problem stated as one line that names the key, for a person rather than a developer.

Snakemake's own ``validate`` stops at the first problem and prints it with a dump of the
schema and a traceback; ``config_problems`` lists them all, so that a user fixes the
config in one pass (as `specverse.study.schema` does for a data file).  The workflow
still calls ``validate`` afterwards, which fills in the schema's defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError


def config_problems(config: Mapping, schema_path: str | Path) -> list[str]:
    """One line per schema violation of ``config``, in the order of the keys."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    errors = Draft202012Validator(schema).iter_errors(config)
    return [describe(e) for e in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])]


def describe(error: ValidationError) -> str:
    """``config key 'a.b': what is wrong`` (list items as ``a.b[2]``)."""
    key = _key(error.absolute_path)
    where = f"config key '{key}'" if key else "the config"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        names = ", ".join(f"'{_key([*error.absolute_path, u])}'" for u in unknown)
        noun = "key" if len(unknown) == 1 else "keys"
        return f"unknown config {noun} {names}; allowed {f'under {key!r}' if key else 'at the top'}: " \
            + ", ".join(allowed)
    if error.validator == "enum":
        return f"{where}: {error.instance!r} is not an option; choose from " \
            + ", ".join(map(str, error.validator_value))
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"{where} must be {' or '.join(_TYPES.get(t, t) for t in wanted)}, " \
            f"not {yaml.safe_dump(error.instance, default_flow_style=True).strip().removesuffix('...').strip()}"
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return "config key " + ", ".join(f"'{_key([*error.absolute_path, k])}'" for k in missing) \
            + " is required here"
    return f"{where}: {error.message}"


def config_error(problems: Sequence[str], configfiles: Sequence[str | Path]) -> str:
    """The message a user sees: which files (as layered, paths as typed or relative to
    the working directory), then every problem."""
    files = " + ".join(dict.fromkeys(shown_path(f) for f in configfiles)) or "the config"
    lines = [f"Invalid configuration ({files}; {len(problems)} problem(s)):"]
    lines += [f"  - {p}" for p in problems]
    lines.append("Every key and its allowed values: config/README.md and workflow/schemas/config.schema.yaml")
    return "\n".join(lines)


def shown_path(path: str | Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    p = Path(path)
    return os.path.relpath(p) if p.is_absolute() and p.is_relative_to(Path.cwd()) else str(p)


_TYPES = {"string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
          "object": "a mapping of keys", "boolean": "true or false", "null": "null"}


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
