"""The real toolchains as steps: the three model generators, formatting and connector tests.

Each step runs the tool a workspace already uses (its own ``make generate``, Maven with
jsonschema2pojo, the UI's schema parse, its formatter recipe, pytest) and declares what
decides its result, so the engine reruns exactly the steps an edit affects:

- a connector's connection schema edited → ``generate.python``, ``generate.java``,
  ``generate.ui`` and that connector's ``test.<name>``; a shared schema → every test;
- a connector's source edited → only ``format.python.<name>`` and ``test.<name>``.

Maven lives in ``maven``, the UI steps in ``ui``, the ANTLR tool in ``antlr``, the formatter
model in ``connkit.openmetadata.formatting``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from connkit.engine.step import Step, StepContext, StepFailed
from connkit.errors import UsageError
from connkit.openmetadata import formatting
from connkit.openmetadata.connectors import Connector, find_connector, find_connectors
from connkit.openmetadata.makefile import calls_make, has_rule, rule_lines
from connkit.openmetadata.steps import antlr, maven, pyenv, ui
from connkit.openmetadata.workspace import GENERATED, INGESTION_SOURCE, SPEC_SCHEMA, Workspace

SCHEMAS = SPEC_SCHEMA.as_posix()
#: A connector the scaffold made carries its implementation brief.
SCAFFOLD_MARKER = "CONNECTOR_CONTEXT.md"


def scaffolded_connectors(ws: Workspace) -> list[Connector]:
    """Connectors the scaffold made (they carry CONNECTOR_CONTEXT.md), in a stable order."""
    return [c for c in find_connectors(ws) if (ws.root / c.package / SCAFFOLD_MARKER).is_file()]


def named_connector(ws: Workspace, name: str) -> Connector:
    """A connector to format and test by name: it needs a package, a schema is optional."""
    connector = find_connector(ws, name)
    if not (ws.root / connector.package).is_dir():
        raise UsageError(
            f"no connector {name!r} under {INGESTION_SOURCE}/<service type>/; scaffold it first "
            f"(`connkit scaffold --name {name} ...`)"
        )
    return connector


# ---------------------------------------------------------------- generators

#: What the Python generator reads besides the schema tree (the checkout's recipe and script).
GENERATOR_FILES = (
    "openmetadata-spec/src/main/antlr4",  # a real checkout also regenerates its parsers
    "Makefile",
    "ingestion/Makefile",
    "scripts/datamodel_generation.py",
)


def reinstalls_after_generate(ws: Workspace) -> bool:
    """Whether ``make generate`` ends by reinstalling ingestion (``$(MAKE) install``, 1.1):
    a non-editable install over connkit's editable one would hide later source edits."""
    return any(calls_make(line) == ["install"] for line in rule_lines(ws.root, "generate"))


def antlr_outputs(ws: Workspace) -> tuple[str, ...]:
    """Folders the generate recipe's ``antlr4 -o DIR`` lines write outside the models folder
    (1.1: the UI's JavaScript parsers), from the rule and the rules it calls."""
    rules = ["generate", *(t for line in rule_lines(ws.root, "generate") for t in calls_make(line))]
    found: list[str] = []
    for rule in rules:
        for line in rule_lines(ws.root, rule):
            match = re.search(r"^antlr4\b.*?\s-o\s+(\S+)", line)
            if match and "$" not in match.group(1):
                rel = os.path.normpath(match.group(1))
                if not (rel + "/").startswith(GENERATED.as_posix() + "/") and rel not in found:
                    found.append(Path(rel).as_posix())
    return tuple(found)


def generate_python(ws: Workspace, env: pyenv.PythonEnv, antlr_step: Step | None) -> Step | None:
    """The workspace's own ``make generate`` in the workspace's Python environment, from the
    root with ``PWD`` set to it (the recipes use ``${PWD}``), the ANTLR wrapper on its PATH.
    A recipe ending in ``$(MAKE) install`` runs with ``MAKE='make -o install'``: the recursive
    call then treats ``install`` as done (``-o`` is not inherited, so it must ride on $(MAKE))."""
    if not has_rule(ws.root, "generate"):
        return None
    python = str(env.python)
    skip_install = reinstalls_after_generate(ws)
    overrides = ["MAKE=make -o install"] if skip_install else []
    tools_bin = antlr.bin_dir(ws.root, antlr.antlr_version(ws.root)[0] or "") if antlr_step else None

    def generate(ctx: StepContext) -> None:
        env.activate(ctx.env)
        if tools_bin is not None:
            ctx.env["PATH"] = os.pathsep.join([str(tools_bin), ctx.env["PATH"]])
        ctx.env["PWD"] = str(ctx.project.root)
        ctx.run(["make", "generate", f"PYTHON={python}", *overrides])

    return Step(
        id="generate.python",
        inputs=(SCHEMAS, *GENERATOR_FILES),
        outputs=(GENERATED.as_posix(), *antlr_outputs(ws)),
        action=generate,
        action_version="|".join(["1", env.installed("datamodel-code-generator", "ruff"), *overrides]),
        deps=env.deps + ((antlr_step.id,) if antlr_step else ()),
        tools=(("make", "--version"), (python, "--version")),
        description="Pydantic models (make generate: datamodel-code-generator"
        + (", antlr4)" if antlr_step else ")"),
    )


# ---------------------------------------------------------------- format and test


def format_python(
    ws: Workspace, env: pyenv.PythonEnv, connector: Connector, check: bool, generate: Step | None = None
) -> Step:
    """The workspace's formatters (``connkit.openmetadata.formatting``) on one connector.

    A checkout's recipe formatters run after ``generate.python``: isort sorts
    ``metadata.generated`` imports by whether those modules exist (``metadata`` is a namespace
    package there), so the verdict must not depend on whether models were generated yet."""
    model = formatting.formatters(ws.root, check)
    paths = connector.sources(ws)
    python = str(env.python)
    runs = [(c.tool, argv) for c in model.commands if (argv := c.argv(paths)) is not None]

    def fmt(ctx: StepContext) -> None:
        if model.error:
            raise StepFailed(f"{model.error}; connkit reads the formatter commands from the recipe")
        env.activate(ctx.env)
        ctx.env["PWD"] = str(ctx.project.root)
        failed = []
        for tool, argv in runs:
            try:
                ctx.run([python, "-m", tool, *argv])
            except StepFailed:
                if not check:
                    raise
                failed.append(tool)  # a reviewer sees every tool's verdict, not the first
        if failed:
            raise StepFailed(f"{', '.join(failed)} would change {connector.name}'s files (diff above)")

    verb = "check" if check else "apply"
    return Step(
        id=f"format.python.{connector.name}",
        inputs=(*paths, *formatting.config_files(ws.root, model, paths)),
        outputs=() if check else tuple(paths),
        action=fmt,
        action_version=f"2|{verb}|{model.digest_text()}|{env.installed(*model.tools)}",
        deps=env.deps,
        after=(generate.id,) if generate and model.source != formatting.RUFF_SOURCE else (),
        tools=((python, "--version"),),
        description=f"{' + '.join(model.tools) or 'formatting'} {verb} on {connector.name} ({model.source})",
    )


def format_java(ws: Workspace, check: bool) -> Step | None:
    """``mvn spotless:apply`` where the workspace has Java sources and spotless configured.
    (1.1 formats Java with googleformatter, which has no check goal: no step there.)"""
    pom = ws.root / "pom.xml"
    if not pom.is_file() or "spotless-maven-plugin" not in pom.read_text(encoding="utf-8", errors="replace"):
        return None
    goal = "spotless:check" if check else "spotless:apply"
    java = ("*/src/main/java", "*/src/test/java")
    return Step(
        id="format.java",
        inputs=(*java, "pom.xml", "*/pom.xml"),
        outputs=(),
        command=("mvn", "-B", "-q", "-Dstyle.color=never", goal),
        tools=(("mvn", "-v"), ("java", "-version")),
        cacheable=check,  # apply rewrites its own inputs across many modules: always run it
        description=f"Java formatting (mvn {goal})",
    )


def other_connection_schemas(ws: Workspace, connector: Connector) -> list[str]:
    """Other connectors' connection schemas: their edits do not change this connector's models.
    Files this connector's schema refers to (``$ref``, transitively) stay in."""
    connections = ws.spec_schema_dir / "entity" / "services" / "connections"
    if not connections.is_dir():
        return []
    mine = ref_closure([ws.root / connector.schema])
    out = []
    for folder in sorted(p for p in connections.iterdir() if p.is_dir()):
        for schema in sorted(folder.glob("*.json")):
            if schema.resolve() not in mine:
                out.append(ws.rel(schema))
    return out


def ref_closure(starts: Iterable[Path]) -> set[Path]:
    """The schema files ``starts`` reach through relative ``$ref``s, themselves included."""
    seen: set[Path] = set()
    todo = [p.resolve() for p in starts]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for ref in _refs(data):
            target = ref.split("#", 1)[0]
            if target and "://" not in target:
                todo.append((path.parent / target).resolve())
    return seen


def _refs(data: object):
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(data, list):
        for item in data:
            yield from _refs(item)


def test_step(
    ws: Workspace, env: pyenv.PythonEnv, connector: Connector, generate: Step | None
) -> Step | None:
    """pytest on the connector's unit tests. It runs after generate.python but is keyed on what
    its models are made from (the schema tree and the generator), less the other connectors'
    connection schemas: editing one connector's schema reruns that connector's tests only."""
    tests = connector.unit_tests(ws)
    if not tests:
        return None
    python = str(env.python)
    in_ingestion = [os.path.relpath(t, "ingestion") for t in tests]
    conftests = [
        "ingestion/tests/conftest.py",
        "ingestion/tests/unit/conftest.py",
        "ingestion/tests/unit/topology/conftest.py",
        f"ingestion/tests/unit/topology/{connector.service_type}/conftest.py",
    ]
    models = (
        (*generate.inputs, *(f"!{s}" for s in other_connection_schemas(ws, connector))) if generate else ()
    )

    def test(ctx: StepContext) -> None:
        env.activate(ctx.env)
        ctx.run([python, "-m", "pytest", "-p", "no:cacheprovider", "-q", *in_ingestion], cwd="ingestion")

    return Step(
        id=f"test.{connector.name}",
        inputs=(
            connector.package,
            *tests,
            *conftests,
            connector.test_connection,
            "ingestion/pyproject.toml",
            "ingestion/setup.cfg",
            *models,
        ),
        outputs=(),
        action=test,
        action_version=f"2|{env.installed('pytest', 'openmetadata-ingestion')}",
        deps=env.deps,
        after=(generate.id,) if generate else (),
        tools=((python, "--version"),),
        description=f"unit tests of {connector.name} (pytest)",
    )


# ---------------------------------------------------------------- provider


def toolchain_steps(
    ws: Workspace,
    *,
    environ: Mapping[str, str] | None = None,
    check: bool = False,
    constraints: Sequence[Path] = (),
    names: Iterable[str] = (),
) -> list[Step]:
    """Every toolchain step the workspace supports; ``names`` adds connectors to format/test."""
    from connkit.engine.config import load_config

    env = pyenv.python_env(ws, environ)
    found: list[Step] = []
    # Python steps need the ingestion package's metadata: the environment is built from it.
    has_python = has_python_package(ws)
    antlr_step = antlr.antlr_step(ws) if has_python else None
    generate = generate_python(ws, env, antlr_step) if has_python else None
    if has_python and env.managed:
        configured = tuple(ws.root / c for c in load_config(ws).table.get("constraints", []))
        found.append(pyenv.pyenv_step(ws, (*configured, *constraints)))
    if generate:
        if antlr_step:
            found.append(antlr_step)
        found.append(generate)
    java = maven.generate_java(ws)
    if java:
        found.append(java)
    found.extend(ui.ui_steps(ws, generate.outputs if generate else (), antlr_step))
    if has_python:
        connectors = scaffolded_connectors(ws)
        for name in names:
            extra = named_connector(ws, name)
            if extra not in connectors:
                connectors.append(extra)
        for connector in connectors:
            found.append(format_python(ws, env, connector, check, generate))
            test = test_step(ws, env, connector, generate)
            if test:
                found.append(test)
    elif names:
        raise UsageError("no ingestion/setup.py or pyproject.toml here: nothing to format or test")
    jfmt = format_java(ws, check)
    if jfmt:
        found.append(jfmt)
    return found


def has_python_package(ws: Workspace) -> bool:
    return any((ws.ingestion_dir / f).is_file() for f in ("setup.py", "pyproject.toml"))


def generate_targets(steps: Iterable[Step]) -> list[str]:
    """What ``connkit generate`` builds: every generator but the UI production build's."""
    return [s.id for s in steps if s.id.startswith("generate.") and s.id not in ui.UI_BUILD_ONLY]


def steps(ws: Workspace) -> list[Step]:
    """The provider the catalog lists."""
    return toolchain_steps(ws)
