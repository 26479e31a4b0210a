"""The real toolchains as steps: the three model generators, formatting and connector tests.

Each step runs the tool a workspace already uses (its own ``make generate``, Maven with
jsonschema2pojo, ``yarn parse-schema``, ruff, pytest) and declares what decides its result,
so the engine reruns exactly the steps an edit affects:

- a connection schema edited → ``generate.python``, ``generate.java``, ``generate.ui`` and
  every ``test.<connector>`` (its models may have changed);
- a connector's source edited → only ``format.python.<name>`` and ``test.<name>``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from connkit.engine.step import Step, StepContext
from connkit.errors import UsageError
from connkit.openmetadata.connectors import Connector, find_connector, find_connectors
from connkit.openmetadata.steps import pyenv
from connkit.openmetadata.workspace import GENERATED, INGESTION_SOURCE, SPEC_SCHEMA, UI_ROOT, Workspace

SCHEMAS = SPEC_SCHEMA.as_posix()
UI = UI_ROOT.as_posix()
JAVA_OUTPUT = "openmetadata-spec/target/generated-sources/jsonschema2pojo"
UI_OUTPUT = f"{UI}/src/jsons/connectionSchemas"
#: Where yarn and npm look for packages; passed to the UI steps, not keyed.
NODE_ENV = ("YARN_REGISTRY", "YARN_CACHE_FOLDER", "npm_config_registry", "NPM_CONFIG_REGISTRY")
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


def _makefile_has(ws: Workspace, target: str) -> bool:
    makefile = ws.root / "Makefile"
    if not makefile.is_file():
        return False
    text = makefile.read_text(encoding="utf-8", errors="replace")
    return re.search(rf"^{re.escape(target)}\s*:", text, re.M) is not None


def generate_python(ws: Workspace, env: pyenv.PythonEnv) -> Step | None:
    """The workspace's own ``make generate`` in the workspace's Python environment."""
    if not _makefile_has(ws, "generate"):
        return None
    python = str(env.python)

    def generate(ctx: StepContext) -> None:
        env.activate(ctx.env)
        ctx.run(["make", "generate", f"PYTHON={python}"])

    return Step(
        id="generate.python",
        inputs=(
            SCHEMAS,
            "openmetadata-spec/src/main/antlr4",  # a real checkout also regenerates its parsers
            "Makefile",
            "ingestion/Makefile",
            "scripts/datamodel_generation.py",
        ),
        outputs=(GENERATED.as_posix(),),
        action=generate,
        action_version=f"1|{env.installed('datamodel-code-generator', 'ruff')}",
        deps=env.deps,
        tools=(("make", "--version"), (python, "--version")),
        description="Pydantic models (make generate: datamodel-code-generator)",
    )


def _is_real_checkout_pom(ws: Workspace) -> bool:
    pom = ws.root / "pom.xml"
    return pom.is_file() and "<module>openmetadata-spec</module>" in pom.read_text(
        encoding="utf-8", errors="replace"
    )


def generate_java(ws: Workspace) -> Step | None:
    if not (ws.root / "openmetadata-spec" / "pom.xml").is_file():
        return None
    quiet = ("-B", "-q", "-Dstyle.color=never")
    if _is_real_checkout_pom(ws):
        command = ("mvn", *quiet, "-DskipTests", "clean", "install", "-pl", "openmetadata-spec")
    else:
        command = ("mvn", *quiet, "-f", "openmetadata-spec/pom.xml", "generate-sources")
    return Step(
        id="generate.java",
        inputs=(SCHEMAS, "openmetadata-spec/pom.xml", "pom.xml", ".mvn/jvm.config", ".mvn/maven.config"),
        outputs=(JAVA_OUTPUT,),
        command=command,
        pass_env=("MAVEN_ARGS",),
        tools=(("mvn", "-v"), ("java", "-version")),
        description="Java models (Maven, jsonschema2pojo)",
    )


def _package_scripts(ws: Workspace) -> dict[str, str]:
    try:
        data = json.loads((ws.ui_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    scripts = data.get("scripts")
    return scripts if isinstance(scripts, dict) else {}


def generate_ui(ws: Workspace) -> list[Step]:
    if not (ws.ui_dir / "package.json").is_file():
        return []
    frozen = (ws.ui_dir / "yarn.lock").is_file()
    install = ("yarn", "install", "--non-interactive", "--frozen-lockfile" if frozen else "--no-lockfile")
    node_tools = (("node", "--version"), ("yarn", "--version"))
    deps = Step(
        id="generate.ui.deps",
        inputs=(f"{UI}/package.json", f"{UI}/yarn.lock", f"{UI}/.yarnrc"),
        outputs=(f"{UI}/node_modules",),
        command=install,
        cwd=UI,
        pass_env=NODE_ENV,
        tools=node_tools,
        description="the UI's node dependencies (yarn install)",
    )
    if "parse-schema" not in _package_scripts(ws):
        return [deps]
    parse = Step(
        id="generate.ui",
        inputs=(SCHEMAS, f"{UI}/package.json", f"{UI}/parse-schema.js"),
        outputs=(UI_OUTPUT,),
        command=("yarn", "-s", "parse-schema"),
        cwd=UI,
        deps=("generate.ui.deps",),
        pass_env=NODE_ENV,
        tools=node_tools,
        description="the UI's dereferenced connection schemas (yarn parse-schema)",
    )
    return [deps, parse]


# ---------------------------------------------------------------- format and test


def format_python(ws: Workspace, env: pyenv.PythonEnv, connector: Connector, check: bool) -> Step:
    paths = connector.sources(ws)
    python = str(env.python)
    if check:
        # --diff: report what `format` would change, change nothing, exit 1 on any difference.
        runs = (
            [python, "-m", "ruff", "check", "--fix", "--diff", *paths],
            [python, "-m", "ruff", "format", "--check", "--diff", *paths],
        )
    else:
        runs = (
            [python, "-m", "ruff", "check", "--fix-only", *paths],
            [python, "-m", "ruff", "format", *paths],
        )

    def fmt(ctx: StepContext) -> None:
        for argv in runs:
            ctx.run(argv)

    return Step(
        id=f"format.python.{connector.name}",
        inputs=(*paths, "ingestion/pyproject.toml"),
        outputs=() if check else tuple(paths),
        action=fmt,
        action_version=f"1|{'check' if check else 'apply'}|{env.installed('ruff')}",
        deps=env.deps,
        tools=((python, "--version"),),
        description=f"ruff {'check' if check else 'fix + format'} on {connector.name}",
    )


def format_java(ws: Workspace, check: bool) -> Step | None:
    """``mvn spotless:apply`` where the workspace has Java sources and spotless configured."""
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


def test_step(ws: Workspace, env: pyenv.PythonEnv, connector: Connector, generate: bool) -> Step | None:
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

    def test(ctx: StepContext) -> None:
        env.activate(ctx.env)
        ctx.run([python, "-m", "pytest", "-p", "no:cacheprovider", "-q", *in_ingestion], cwd="ingestion")

    deps = env.deps + (("generate.python",) if generate else ())
    return Step(
        id=f"test.{connector.name}",
        # The generated models enter through generate.python's key (a dependency).
        inputs=(
            connector.package,
            *tests,
            *conftests,
            connector.test_connection,
            "ingestion/pyproject.toml",
            "ingestion/setup.cfg",
        ),
        outputs=(),
        action=test,
        action_version=f"1|{env.installed('pytest', 'openmetadata-ingestion')}",
        deps=deps,
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
    has_python = any((ws.ingestion_dir / f).is_file() for f in ("setup.py", "pyproject.toml"))
    generate = generate_python(ws, env) if has_python else None
    if has_python and env.managed:
        configured = tuple(ws.root / c for c in load_config(ws).table.get("constraints", []))
        found.append(pyenv.pyenv_step(ws, (*configured, *constraints)))
    if generate:
        found.append(generate)
    java = generate_java(ws)
    if java:
        found.append(java)
    found.extend(generate_ui(ws))
    if has_python:
        connectors = scaffolded_connectors(ws)
        for name in names:
            extra = named_connector(ws, name)
            if extra not in connectors:
                connectors.append(extra)
        for connector in connectors:
            found.append(format_python(ws, env, connector, check))
            test = test_step(ws, env, connector, generate=generate is not None)
            if test:
                found.append(test)
    elif names:
        raise UsageError("no ingestion/setup.py or pyproject.toml here: nothing to format or test")
    jfmt = format_java(ws, check)
    if jfmt:
        found.append(jfmt)
    return found


def steps(ws: Workspace) -> list[Step]:
    """The provider the catalog lists."""
    return toolchain_steps(ws)
