"""The UI's node dependencies and the generators that read the schemas, as separate steps.

A checkout's ``yarn install`` runs lifecycle scripts: the root ``preinstall`` (quicktype),
``postinstall`` = ``build-check`` (json2ts, js-antlr, the connection-schema parse: minutes)
and Cypress's binary download (unreachable here). connkit installs with ``--ignore-scripts``
(plus ``CYPRESS_INSTALL_BINARY=0`` and ``HUSKY=0`` in case a script runs anyway), keyed on
the package manifest and lockfile only, so a schema edit never reinstalls; then each
generator is its own step keyed on the schemas:

- ``generate.ui``: the connection-schema parse (``parse-schema``, or ``parse-conn-schema`` in
  releases that call it that; read from the scripts), part of ``connkit generate``;
- ``generate.ui.root-deps`` (the repo-root package, quicktype), ``generate.ui.types``
  (``json2ts``, ~4 minutes) and ``generate.ui.antlr`` (``js-antlr``, where ``make generate``
  does not already write it): only the UI production build needs them, so they are left out
  of ``connkit generate``'s default target (``UI_BUILD_ONLY``); ``connkit run
  generate.ui.types`` builds them.

``node_modules`` with a lockfile is declared by yarn's own marker
(``node_modules/.yarn-integrity``) and not restorable: yarn rebuilds the 840 MB / 113k files
from its offline cache in 30-50 s, while storing it cost connkit 17 s, 635 MB of cache and a
2 s check on every later run (measured on the 1.1 checkout). Without a lockfile the install is
not reproducible, so it is stored and restored as before.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from connkit.engine.step import Step, StepContext
from connkit.openmetadata.steps import antlr
from connkit.openmetadata.workspace import SPEC_SCHEMA, UI_ROOT, Workspace

UI = UI_ROOT.as_posix()
SCHEMAS = SPEC_SCHEMA.as_posix()
UI_OUTPUT = f"{UI}/src/jsons/connectionSchemas"
TYPES_DIR = f"{UI}/src/generated"
ANTLR_DIR = f"{TYPES_DIR}/antlr"
GRAMMARS = "openmetadata-spec/src/main/antlr4"
#: Where yarn and npm look for packages; passed to the UI steps, not keyed.
NODE_ENV = ("YARN_REGISTRY", "YARN_CACHE_FOLDER", "npm_config_registry", "NPM_CONFIG_REGISTRY")
NODE_TOOLS = (("node", "--version"), ("yarn", "--version"))
LIFECYCLE = ("preinstall", "install", "postinstall", "prepare")
NO_DOWNLOADS = {"CYPRESS_INSTALL_BINARY": "0", "HUSKY": "0"}
INTEGRITY = "node_modules/.yarn-integrity"
#: The connection-schema parse, by the names releases gave it (newest first).
PARSE_SCRIPTS = ("parse-schema", "parse-conn-schema")
#: Steps only the UI production build needs; `connkit generate` leaves them out.
UI_BUILD_ONLY = ("generate.ui.root-deps", "generate.ui.types", "generate.ui.antlr")


def package_scripts(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return {k: v for k, v in scripts.items() if isinstance(v, str)} if isinstance(scripts, dict) else {}


def parse_script(scripts: dict[str, str]) -> str | None:
    return next((name for name in PARSE_SCRIPTS if name in scripts), None)


def script_files(command: str, ext: str) -> list[str]:
    """The files a package script hands to node/sh (``node parseConnectionSchema`` → ``.js``)."""
    found = []
    for match in re.finditer(r"\b(?:node|sh|bash)\s+([\w./-]+)", command):
        name = match.group(1)
        found.append(name if Path(name).suffix else name + ext)
    return found


def install_step(ws: Workspace, step_id: str, folder: str, scripts: dict[str, str]) -> Step:
    """``yarn install`` in ``folder``; scripts off where the package has lifecycle scripts."""
    base = ws.root / folder
    frozen = (base / "yarn.lock").is_file()
    lifecycle = any(name in scripts for name in LIFECYCLE)
    command = ["yarn", "install", "--non-interactive", "--frozen-lockfile" if frozen else "--no-lockfile"]
    if lifecycle:
        command.append("--ignore-scripts")
    prefix = "" if folder == "." else f"{folder}/"
    return Step(
        id=step_id,
        inputs=tuple(f"{prefix}{n}" for n in ("package.json", "yarn.lock", ".yarnrc", ".npmrc")),
        outputs=(f"{prefix}{INTEGRITY}",) if frozen else (f"{prefix}node_modules",),
        restorable=not frozen,
        command=tuple(command),
        cwd=folder,
        pass_env=NODE_ENV,
        set_env=NO_DOWNLOADS if lifecycle else {},
        tools=NODE_TOOLS,
        description=f"node dependencies of {folder} (yarn install{' --ignore-scripts' if lifecycle else ''})",
    )


def ui_steps(ws: Workspace, python_outputs: tuple[str, ...], antlr_step: Step | None) -> list[Step]:
    """The UI's steps; ``python_outputs``: what generate.python writes (maybe the JS parsers)."""
    if not (ws.ui_dir / "package.json").is_file():
        return []
    scripts = package_scripts(ws.ui_dir)
    deps = install_step(ws, "generate.ui.deps", UI, scripts)
    steps = [deps]
    parse = parse_script(scripts)
    if parse:
        steps.append(
            Step(
                id="generate.ui",
                inputs=(
                    SCHEMAS,
                    f"{UI}/package.json",
                    *(f"{UI}/{f}" for f in script_files(scripts[parse], ".js")),
                ),
                outputs=(UI_OUTPUT,),
                command=("yarn", "-s", parse),
                cwd=UI,
                deps=(deps.id,),
                pass_env=NODE_ENV,
                tools=NODE_TOOLS,
                description=f"the UI's dereferenced connection schemas (yarn {parse})",
            )
        )
    root_deps = None
    if (ws.root / "package.json").is_file():
        root_deps = install_step(ws, "generate.ui.root-deps", ".", package_scripts(ws.root))
        steps.append(root_deps)
    if "json2ts" in scripts:
        steps.append(types_step(ws, scripts["json2ts"], deps, root_deps))
    if "js-antlr" in scripts and ANTLR_DIR not in python_outputs and antlr_step is not None:
        steps.append(js_antlr_step(ws, deps, antlr_step))
    return steps


def types_outputs(ws: Workspace) -> tuple[str, ...]:
    """json2ts mirrors the schema tree under src/generated (``a/b.json`` → ``a/b.ts``); the
    ANTLR parsers in src/generated/antlr belong to another step."""
    out = []
    for entry in sorted(os.listdir(ws.spec_schema_dir)) if ws.spec_schema_dir.is_dir() else []:
        if (ws.spec_schema_dir / entry).is_dir():
            out.append(f"{TYPES_DIR}/{entry}")
        elif entry.endswith(".json"):
            out.append(f"{TYPES_DIR}/{entry[:-5]}.ts")
    return tuple(out)


def types_step(ws: Workspace, command: str, deps: Step, root_deps: Step | None) -> Step:
    """``yarn json2ts``: TypeScript types of every schema (quicktype from the root package)."""

    def json2ts(ctx: StepContext) -> None:
        # json2ts.sh starts with `rm -r src/generated`: keep the parsers another step made.
        parsers = ctx.project.root / ANTLR_DIR
        ctx.project.state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="antlr-kept-", dir=ctx.project.state_dir) as tmp:
            kept = Path(tmp) / "antlr"
            if parsers.is_dir():
                shutil.move(str(parsers), kept)
            try:
                ctx.run(["yarn", "-s", "json2ts"], cwd=UI)
            finally:
                if kept.is_dir():
                    if parsers.exists():
                        shutil.rmtree(parsers)
                    parsers.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(kept), parsers)

    return Step(
        id="generate.ui.types",
        inputs=(
            SCHEMAS,
            f"{UI}/package.json",
            f"{UI}/types-licensing.txt",
            *(f"{UI}/{f}" for f in script_files(command, ".sh")),
        ),
        outputs=types_outputs(ws),
        action=json2ts,
        action_version="1",
        deps=(deps.id, *((root_deps.id,) if root_deps else ())),
        pass_env=NODE_ENV,
        tools=NODE_TOOLS,
        description="the UI's TypeScript types of every schema (yarn json2ts; UI build only)",
    )


def js_antlr_step(ws: Workspace, deps: Step, antlr_step: Step) -> Step:
    version = antlr.antlr_version(ws.root)[0] or ""

    def js_antlr(ctx: StepContext) -> None:
        tools = antlr.bin_dir(ctx.project.root, version)
        ctx.env["PATH"] = os.pathsep.join([str(tools), ctx.env.get("PATH", os.defpath)])
        ctx.env["PWD"] = str(ctx.project.root / UI)
        ctx.run(["yarn", "-s", "js-antlr"], cwd=UI)

    return Step(
        id="generate.ui.antlr",
        inputs=(GRAMMARS, f"{UI}/package.json"),
        outputs=(ANTLR_DIR,),
        action=js_antlr,
        action_version=f"1|{version}",
        deps=(deps.id, antlr_step.id),
        pass_env=NODE_ENV,
        tools=NODE_TOOLS,
        description="the UI's JavaScript FQN parsers (yarn js-antlr; UI build only)",
    )
