"""Whether a connector needs a ``plugins`` extra in ``ingestion/setup.py``, read from the tree.

Upstream gives an extra only to a connector whose third-party packages are not in the base
install: 1.1 (and 2.x) have none for metabase, mode, airbyte, fivetran or sqlite (their
``requests``, ``pydantic`` and ``sqlalchemy`` are base requirements), one shared extra for the
three Domo connectors (``domo``), variants for datalake (``datalake-s3``...), and keys spelled
like the package (``azuresql``, ``powerbi``). So an extra counts as present when a key folds to
the connector's name (or is a ``name-variant`` of it), and as not needed when every package
the connector's sources import is installed by the base requirements or by some other extra.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from connkit.openmetadata.pysource import plugins_dict

STDLIB = set(sys.stdlib_module_names) | {"__future__"}
FIRST_PARTY = {"metadata"}


@dataclass(frozen=True)
class SetupRequirements:
    """The distributions ``setup.py`` installs: the base install and each extra (canonical names)."""

    base: frozenset[str]
    extras: dict[str, frozenset[str]] = field(default_factory=dict)


def _fold(text: str) -> str:
    return text.replace("-", "").replace("_", "").lower()


def _names(values: list) -> frozenset[str]:
    out = set()
    for v in values:
        if not isinstance(v, str):
            continue
        try:
            out.add(canonicalize_name(Requirement(v).name))
        except InvalidRequirement:
            continue
    return frozenset(out)


class _Evaluator:
    """Module-level literals of ``setup.py``: strings, dicts, sets and lists of them,
    ``VERSIONS["x"]`` lookups, ``*COMMONS["y"]`` spreads and ``set()`` — no code is run."""

    def __init__(self, tree: ast.Module) -> None:
        self.names: dict[str, object] = {}
        for node in tree.body:
            target = value = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign):
                target, value = node.target, node.value
            if isinstance(target, ast.Name) and value is not None:
                found = self.eval(value)
                if found is not None:
                    self.names[target.id] = found

    def eval(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Subscript):
            base, key = self.eval(node.value), self.eval(node.slice)
            return base.get(key) if isinstance(base, dict) and isinstance(key, str) else None
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values, strict=True):
                key = self.eval(k) if k is not None else None
                if isinstance(key, str):
                    out[key] = self.eval(v)
            return out
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            out: list = []
            for elt in node.elts:
                inner = self.eval(elt.value if isinstance(elt, ast.Starred) else elt)
                if isinstance(elt, ast.Starred) and isinstance(inner, list):
                    out.extend(inner)
                elif isinstance(inner, str):
                    out.append(inner)
            return out
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("set", "list"):
            return self.eval(node.args[0]) if node.args else []
        return None


def _install_requires(tree: ast.Module) -> ast.expr | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup":
            for kw in node.keywords:
                if kw.arg == "install_requires":
                    return kw.value
    return None


def read_setup(setup_py: Path) -> SetupRequirements | None:
    """What ``setup.py`` installs, or None when it has no ``plugins`` dict (or does not parse)."""
    try:
        tree = ast.parse(setup_py.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return None
    plugins = plugins_dict(tree)
    if plugins is None:
        return None
    ev = _Evaluator(tree)
    extras = {
        key: _names(value if isinstance(value, list) else [])
        for key, value in (ev.eval(plugins) or {}).items()
    }
    base = ev.eval(_install_requires(tree)) if _install_requires(tree) is not None else None
    if base is None:
        base = ev.names.get("base_requirements")
    return SetupRequirements(_names(base if isinstance(base, list) else []), extras)


def provides(distribution: str, module: str) -> bool:
    """Whether a distribution plausibly installs a top-level module, judged by their names:
    ``requests``/``requests``, ``antlr4-python3-runtime``/``antlr4``, ``python-jose``/``jose``,
    ``pyyaml``/``yaml``, ``sqlalchemy-bigquery``/``sqlalchemy_bigquery``."""
    m = canonicalize_name(module)
    return (
        distribution == m
        or distribution.startswith(m + "-")
        or distribution.endswith("-" + m)
        or distribution == "py" + m
    )


def third_party_imports(trees: list[ast.Module]) -> list[str]:
    """Top-level modules the sources import that are neither the standard library nor ``metadata``."""
    found: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return sorted(found - STDLIB - FIRST_PARTY)


def extra_key(reqs: SetupRequirements, names: tuple[str, ...]) -> str | None:
    """The extra that is this connector's own: a key folding to one of its names, or a variant
    ``name-something`` of it (``datalake-s3``)."""
    wanted = {_fold(n) for n in names}
    for key in reqs.extras:
        if _fold(key) in wanted or _fold(key.split("-", 1)[0]) in wanted and "-" in key:
            return key
    return None


def uninstalled(reqs: SetupRequirements, modules: list[str]) -> list[str]:
    """The modules that neither the base install nor any extra provides."""
    everything = set(reqs.base).union(*reqs.extras.values())
    return [m for m in modules if not any(provides(d, m) for d in everything)]


def not_in_base(reqs: SetupRequirements, modules: list[str]) -> list[str]:
    return [m for m in modules if not any(provides(d, m) for d in reqs.base)]
