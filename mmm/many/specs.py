"""Specs of many fits: plain dicts merged from shared defaults, changed by dotted keys
(``model.adstock=delayed``), and given folder-safe names. Nothing here fits or imports PyMC."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from mmm.errors import SpecError

#: What a fit's name may hold: it is also its folder's name.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=-]{0,99}$")


def check_name(name: Any, where: str) -> str:
    """``name`` as a fit name, or a :class:`SpecError` naming ``where`` and what is allowed."""
    text = "" if name is None else str(name).strip()
    if not NAME_PATTERN.match(text):
        raise SpecError(f"{where}: the fit name '{text[:60]}' must start with a letter or digit and hold only "
                        "letters, digits, '_', '-', '.' and '=' (it becomes the fit's folder name).")
    return text


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` laid over it: mappings merged key by key, anything else replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def set_dotted(raw: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A copy of the spec dict ``raw`` with ``key`` (``model.adstock``, ``fit.draws``,
    ``channels.tv.adstock``) set to ``value``; intermediate mappings are created."""
    parts = [p for p in key.split(".") if p]
    if not parts:
        raise SpecError(f"'{key}' is not a spec key; give it as section.key, e.g. model.adstock.")
    override: dict[str, Any] = {}
    node = override
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    return deep_merge(raw, override)


def parse_value(text: str) -> Any:
    """A value written on the command line or in a CSV cell, read as YAML (``8`` is a number,
    ``geometric`` text, ``[2, 4]`` a list)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_vary(items: Sequence[str]) -> dict[str, list[Any]]:
    """``--vary model.adstock=geometric,delayed`` options as ``{key: [values]}``."""
    out: dict[str, list[Any]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise SpecError(f"--vary '{item}' must be KEY=VALUE,VALUE (e.g. model.adstock=geometric,delayed).")
        if key in out:
            raise SpecError(f"--vary names '{key}' twice; give all its values in one option, comma-separated.")
        vals = [parse_value(v.strip()) for v in values.split(",") if v.strip()]
        if len(set(map(str, vals))) < len(vals):
            raise SpecError(f"--vary '{item}' repeats a value.")
        out[key] = vals
    if not out:
        raise SpecError("Give at least one --vary KEY=VALUE,VALUE (e.g. --vary model.adstock=geometric,delayed).")
    return out


def variants(raw: Mapping[str, Any], vary: Mapping[str, Sequence[Any]]) -> list[tuple[str, dict[str, Any], dict]]:
    """Every combination of the varied values: ``(name, {key: value}, spec dict)`` per variant,
    named ``adstock=geometric_saturation=hill`` (the last part of each key)."""
    keys = list(vary)
    out = []
    for combo in itertools.product(*(vary[k] for k in keys)):
        spec = dict(raw)
        for k, v in zip(keys, combo, strict=True):
            spec = set_dotted(spec, k, v)
        name = "_".join(f"{k.split('.')[-1]}={v}" for k, v in zip(keys, combo, strict=True))
        out.append((check_name(name, "--vary"), dict(zip(keys, combo, strict=True)), spec))
    return out


def spec_dict(spec: Any) -> dict[str, Any]:
    """A spec (a :class:`~mmm.spec.Spec`, a dict or a YAML path) as a validated plain dict with an
    absolute ``data:`` path."""
    from mmm.fitted import as_spec

    s = as_spec(spec if not isinstance(spec, str | Path) else Path(spec))
    raw = s.to_dict()
    if raw.get("data"):
        raw["data"] = str(Path(raw["data"]).resolve())
    return raw


def task_spec(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``raw`` validated as a spec (a :class:`SpecError` prefixed by ``where``), as a plain dict."""
    from mmm.spec import spec_from_dict

    try:
        spec = spec_from_dict(dict(raw))
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    out = spec.to_dict()
    out.pop("fit", None)
    out["fit"] = {k: v for k, v in spec.fit.to_dict().items() if k != "forms"}
    return out
