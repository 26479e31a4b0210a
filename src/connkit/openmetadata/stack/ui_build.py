"""The UI's production build from the checkout's own sources, as a cached step.

The UI module's pom runs ``yarn install`` and ``yarn run build`` through frontend-maven-plugin,
which first downloads its own Node and yarn from outside the registries. connkit builds the
UI outside Maven with the machine's Node and yarn instead: the install is ``generate.ui.deps``
(scripts off), the generators the install's ``postinstall`` would run are their own steps
(``generate.ui.types``, ``generate.ui``, the JavaScript parsers), and this step runs the
package's ``build`` script (1.1: webpack production, ~7 minutes, ~3.8 GB). Its output is the
folder the UI pom jars as a resource (``dist/``); the server build in ``ui`` mode then runs
Maven with the plugin's own skip switches, so the UI jar carries this build
(``server_build``).

The key is what the bundle is made from, read as files rather than through the generators'
keys (they are order-only, ``after``): the UI folder less ``node_modules``, its build outputs
and its tests, and the generated TypeScript and dereferenced connection schemas less those
made from connection schemas that no service schema references (a connector scaffolded but
not registered). This release's Add New Service list is ``Object.values(<Type>ServiceType)``,
the enum json2ts makes from the service schema, and its connection form is the schema the
type's UI utils switch imports: a registration changes both, so it rebuilds; a scaffold alone
changes neither and a Python edit nothing the build reads, so they do not.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping
from pathlib import Path

from connkit.engine.step import Step, StepContext, StepFailed
from connkit.errors import UsageError
from connkit.openmetadata.services import SERVICES
from connkit.openmetadata.steps import ui
from connkit.openmetadata.steps.toolchain import ref_closure
from connkit.openmetadata.workspace import Workspace

STEP_ID = "stack.ui.build"
UI = ui.UI
UI_POM = "openmetadata-ui/pom.xml"
BUILD_SCRIPT = "build"
#: Where the 1.1 pom looks when it says nothing (its ``<resource>`` under the UI folder).
DEFAULT_DIST = f"{UI}/dist"
#: Not what the bundle is made from: dependencies (their own step's key), build outputs and
#: caches, end-to-end and unit tests, editor and hook settings.
NOT_BUNDLED = (
    "node_modules",
    "dist",
    "build",
    "webpack",
    "connTemp",
    "cypress",
    ".husky",
    ".vscode",
    "**/*.test.{ts,tsx,js,jsx}",
    "**/*.spec.{ts,tsx,js,jsx}",
)
CONNECTIONS = "entity/services/connections"
#: The webpack heap: the 1.1 build peaks at 3.8 GB, close to Node 20's default limit (4.1 GB).
NODE_OPTIONS = "--max-old-space-size=6144"
#: Generator steps whose outputs the bundle imports; each runs first where the workspace has it.
GENERATORS = ("generate.ui", "generate.ui.types", "generate.ui.antlr")


def dist_dir(ws: Workspace) -> str:
    """The UI build's output the UI module jars: its pom's ``<resource>`` inside the UI folder."""
    try:
        tree = ET.parse(ws.root / UI_POM)
    except (OSError, ET.ParseError):
        return DEFAULT_DIST
    module = Path(UI_POM).parent.as_posix()
    for element in tree.iter():
        if element.tag.rsplit("}", 1)[-1] != "directory" or not element.text:
            continue
        rel = f"{module}/{element.text.strip().strip('/')}"
        if rel.startswith(f"{UI}/") and not rel.startswith(f"{UI}/src"):
            return rel
    return DEFAULT_DIST


def unregistered_connection_schemas(ws: Workspace) -> list[str]:
    """Connection schemas (below ``connections/<type>/``, relative to the schema folder) that no
    schema outside ``connections/`` reaches through ``$ref`` and no UI utils file imports:
    the ones a scaffold wrote and ``register`` has not wired in yet."""
    schemas = ws.spec_schema_dir
    connections = schemas / CONNECTIONS
    if not connections.is_dir():
        return []
    candidates = sorted(p for d in connections.iterdir() if d.is_dir() for p in d.rglob("*.json"))
    roots = [p for p in schemas.rglob("*.json") if connections not in p.parents]
    reached = ref_closure(roots)
    out = []
    for path in candidates:
        if path.resolve() in reached:
            continue
        rel = path.relative_to(schemas).as_posix()
        if _imported_by_utils(ws, rel):
            continue
        out.append(rel)
    return out


def _imported_by_utils(ws: Workspace, rel: str) -> bool:
    """Whether the service type's UI utils file names this connection schema (wired into the
    UI although the service schema does not list it: the bundle then carries it)."""
    service_type = rel.removeprefix(f"{CONNECTIONS}/").split("/", 1)[0]
    service = SERVICES.get(service_type)
    if service is None:
        return False
    needle = rel.removeprefix("entity/services/").removesuffix(".json")
    for ext in (".tsx", ".ts"):
        path = ws.ui_dir / "src" / "utils" / f"{service.ui_utils}{ext}"
        try:
            if needle in path.read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:
            continue
    return False


def generated_from(rel: str) -> tuple[str, str]:
    """What the UI's generators make of one schema (relative to the schema folder): json2ts's
    TypeScript file and, for a connection schema, the dereferenced copy the forms import."""
    types = f"{ui.TYPES_DIR}/{rel.removesuffix('.json')}.ts"
    parsed = f"{ui.UI_OUTPUT}/{rel.removeprefix('entity/services/')}"
    return types, parsed


def inputs(ws: Workspace) -> tuple[str, ...]:
    dist = dist_dir(ws)
    out = [UI, *(f"!{UI}/{p}" for p in NOT_BUNDLED)]
    if dist != DEFAULT_DIST:
        out.append(f"!{dist}")
    for rel in unregistered_connection_schemas(ws):
        out.extend(f"!{p}" for p in generated_from(rel))
    return tuple(out)


def check_ready(ws: Workspace) -> None:
    """``--mode ui`` needs a UI package with a build script; refused before anything starts."""
    scripts = ui.package_scripts(ws.ui_dir)
    if BUILD_SCRIPT not in scripts:
        raise UsageError(
            f"--mode ui: {UI}/package.json has no {BUILD_SCRIPT!r} script to build the UI from; "
            "run stack.up --mode no-ui"
        )


def producers(available: Mapping[str, Step] | Collection[str]) -> tuple[str, ...]:
    """The generator steps the bundle imports from that the workspace has, plus the step that
    writes the JavaScript parsers where no ``generate.ui.antlr`` does (1.1's ``make generate``)."""
    found = [g for g in GENERATORS if g in available]
    if "generate.ui.antlr" not in available and isinstance(available, Mapping):
        for step_id, step in available.items():
            if any(ui.ANTLR_DIR == o or ui.ANTLR_DIR.startswith(f"{o}/") for o in step.outputs):
                found.append(step_id)
    return tuple(dict.fromkeys(found))


def step(ws: Workspace, available: Mapping[str, Step] | Collection[str] = ()) -> Step:
    dist = dist_dir(ws)
    parsers = ui.ANTLR_DIR if "js-antlr" in ui.package_scripts(ws.ui_dir) else ""

    def build(ctx: StepContext) -> None:
        root = ctx.project.root
        missing = [rel for rel in (ui.TYPES_DIR, ui.UI_OUTPUT, parsers) if rel and not (root / rel).is_dir()]
        if missing:
            raise StepFailed(
                f"the UI build imports generated files that are not there: {', '.join(missing)}; "
                "run `connkit run generate.ui.types generate.ui generate.python` first"
            )
        ctx.run(["yarn", "-s", "run", BUILD_SCRIPT], cwd=UI)
        index = sorted((root / dist).rglob("index.html"))
        if not index:
            raise StepFailed(f"yarn run {BUILD_SCRIPT} succeeded but left no index.html under {dist}")
        files = [p for p in (root / dist).rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        where = index[0].relative_to(root)
        ctx.log(f"UI build: {len(files)} files, {size / 2**20:.1f} MiB under {dist} ({where})")

    return Step(
        id=STEP_ID,
        inputs=inputs(ws),
        outputs=(dist,),
        action=build,
        action_version=f"1|{BUILD_SCRIPT}",
        deps=tuple(d for d in ("generate.ui.deps",) if d in available),
        after=producers(available),
        pass_env=ui.NODE_ENV,
        set_env={"NODE_OPTIONS": NODE_OPTIONS},
        tools=ui.NODE_TOOLS,
        description=f"the UI's production build (yarn run {BUILD_SCRIPT}, with this machine's Node and yarn)",
    )
