"""The stack's images as cached engine steps.

Each step's key covers its recipe (Dockerfile, scripts, CA bundle, context files: their
digest enters through ``set_env``), the workspace files it carries (``inputs``) and its base
image (a dependency on the base step, whose key names the recipe or the user's image id).
Its output is a small JSON file under ``.connkit/stack/images/`` holding the image id, so a
hit costs nothing and `stack.up` tags the recorded id for compose.

On a checkout with server source there are more: the server's Maven build
(``stack.server.build``; in ``ui`` mode after the UI's production build, ``stack.ui.build``)
and its image, Elasticsearch as the release's compose files run it,
and the ingestion image in two parts — a runtime (the interpreter the release supports, the
package's dependencies, Airflow with the managed APIs) and a thin source layer on top, which
is all a Python-only edit rebuilds.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import docker
from connkit.engine.hashing import digest_bytes
from connkit.engine.step import Step, StepContext
from connkit.errors import ConnkitError
from connkit.fsutil import atomic_write_text
from connkit.openmetadata.stack import artifacts, base, images, server_build, ui_build
from connkit.openmetadata.stack.options import (
    SEARCH_ARTIFACT,
    SEARCH_VERSION,
    StackOptions,
    project_name,
    resolve_ca_bundle,
)
from connkit.openmetadata.workspace import Workspace, workspace_of

IMAGES_DIR = ".connkit/stack/images"
DOWNLOADS_DIR = ".connkit/stack/downloads"
BASE_STEP = "stack.image.base"
SERVER_IMAGE_STEP = "stack.image.server"
RUNTIME_STEP = "stack.image.ingestion-runtime"
INGESTION_STEP = "stack.image.ingestion"
#: The step that writes the generated models a checkout's ingestion package imports; another
#: capability (``connkit generate``) provides it, the stack only depends on its id.
GENERATE_STEP = "generate.python"
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch"


def id_file(name: str) -> str:
    return f"{IMAGES_DIR}/{name}.json"


def image_tag(ws: Workspace, name: str) -> str:
    return f"{project_name(ws)}/{name}:latest"


def database_image_name(options: StackOptions) -> str:
    return "mariadb" if options.database == "mysql" else "postgresql"


def _client() -> docker.DockerClient:
    from connkit.openmetadata.stack.engine import docker_client

    return docker_client()


def _write_id(ws: Workspace, name: str, image_id: str, tag: str) -> None:
    atomic_write_text(ws.root / id_file(name), json.dumps({"id": image_id, "tag": tag}) + "\n")


def _recorded_id(ws: Workspace, name: str) -> str:
    image_id = images.read_id_file(ws.root / id_file(name))
    if not image_id:
        raise ConnkitError(f"the {name} image step left no image id; run stack.up again")
    return image_id


def _ca_digest(options: StackOptions) -> str:
    return digest_bytes(options.ca_bundle.read_bytes())[:32] if options.ca_bundle else "none"


def _base_step(options: StackOptions) -> Step:
    if options.base_image:
        user_id = base.user_base_image(_client(), options.base_image)

        def use_base(ctx: StepContext) -> None:
            _write_id(workspace_of(ctx), "base", user_id, options.base_image or "")
            ctx.log(f"base image: {options.base_image} ({user_id[:19]})")

        return Step(
            id=BASE_STEP,
            outputs=(id_file("base"),),
            action=use_base,
            action_version="1",
            set_env={"BASE_IMAGE": options.base_image, "BASE_IMAGE_ID": user_id},
            description=f"base image: {options.base_image}",
        )
    recipe = base.BaseRecipe()

    def make_base(ctx: StepContext) -> None:
        image_id = base.ensure_base_image(_client(), recipe, ctx.log)
        _write_id(workspace_of(ctx), "base", image_id, recipe.tag)

    return Step(
        id=BASE_STEP,
        outputs=(id_file("base"),),
        action=make_base,
        action_version=base.RECIPE_VERSION,
        set_env={"SUITE": recipe.suite, "VARIANT": recipe.variant},
        description=f"base image: debootstrap {recipe.variant} {recipe.suite} + docker import",
    )


def _image_step(
    options: StackOptions,
    name: str,
    make_recipe: Callable[[StepContext], images.ImageRecipe],
    *,
    inputs: tuple[str, ...] = (),
    extra: dict[str, str] | None = None,
    on: str = BASE_STEP,
    deps: tuple[str, ...] = (),
    buildargs: Callable[[StepContext], dict[str, str]] | None = None,
    tools: tuple[tuple[str, ...], ...] = (),
    description: str = "",
) -> Step:
    """A ``docker build`` of ``make_recipe`` on the image step ``on`` left (the base by default)."""
    on_name = on.removeprefix("stack.image.")

    def build(ctx: StepContext) -> None:
        ws = workspace_of(ctx)
        tag = image_tag(ws, name)
        args = buildargs(ctx) if buildargs else {}
        image_id = images.build_image(
            _client(), make_recipe(ctx), _recorded_id(ws, on_name), tag, ctx.log, args
        )
        _write_id(ws, name, image_id, tag)

    return Step(
        id=f"stack.image.{name}",
        inputs=inputs,
        outputs=(id_file(name),),
        action=build,
        action_version="2",
        deps=(on, *deps),
        set_env={"CA_BUNDLE": _ca_digest(options), **(extra or {})},
        tools=tools,
        description=description or f"{name} image (docker build)",
    )


def steps(
    ws: Workspace, options: StackOptions | None = None, available: Mapping[str, Step] | Collection[str] = ()
) -> list[Step]:
    """Image steps for ``options`` (the default stack when called as a catalog provider).
    ``available``: the workspace's other steps by id (the stack depends on ``generate.python``
    where the workspace has it, the UI build on the UI's generators)."""
    if options is None:
        from connkit.openmetadata.stack.options import for_workspace

        options = for_workspace(StackOptions(ca_bundle=resolve_ca_bundle(None)), ws)
    out = [_base_step(options)]
    db = database_image_name(options)
    out.append(
        _image_step(
            options,
            db,
            lambda ctx: images.database_recipe(options.database, options.ca_bundle),
            extra={"RECIPE": images.static_digest(db)},
        )
    )
    if options.search:
        out.append(_search_step(options))
    if options.server:
        out.extend(_server_steps(ws, options, available))
    if options.ingestion:
        out.extend(_ingestion_steps(ws, options, available))
    return out


def _search_step(options: StackOptions) -> Step:
    search = options.release.search if options.release else None
    if search is not None and search.kind == "elasticsearch":
        version = search.version
        coords = f"{ES_ARTIFACT}:{version}:zip"
        modules = images.es_modules(version)

        def es_recipe(ctx: StepContext) -> images.ImageRecipe:
            downloads = workspace_of(ctx).root / DOWNLOADS_DIR
            zip_path = artifacts.maven_copy(coords, downloads, ctx.log)
            jars = artifacts.maven_copy_groups(
                modules, downloads / f"elasticsearch-{version}-modules", ctx.log
            )
            return images.elasticsearch_recipe(zip_path.read_bytes(), jars, version, options.ca_bundle)

        return _image_step(
            options,
            "search",
            es_recipe,
            extra={
                "RECIPE": images.static_digest("elasticsearch"),
                "ARTIFACT": coords,
                "MODULES": json.dumps(modules, sort_keys=True),
            },
            description=f"search image: Elasticsearch {version} (as {search.source} runs it)",
        )
    coords = f"{SEARCH_ARTIFACT}:{SEARCH_VERSION}:zip"

    def search_recipe(ctx: StepContext) -> images.ImageRecipe:
        zip_path = artifacts.maven_copy(coords, workspace_of(ctx).root / DOWNLOADS_DIR, ctx.log)
        return images.search_recipe(zip_path.read_bytes(), options.ca_bundle)

    return _image_step(
        options, "search", search_recipe, extra={"RECIPE": images.static_digest("search"), "ARTIFACT": coords}
    )


def _server_steps(
    ws: Workspace, options: StackOptions, available: Mapping[str, Step] | Collection[str]
) -> list[Step]:
    config = "conf/openmetadata.yaml"
    ui = [ui_build.step(ws, available)] if options.ui else []

    def server_recipe(ctx: StepContext) -> images.ImageRecipe:
        root = workspace_of(ctx).root
        return images.server_recipe(
            root / server_build.DIST_OUTPUT, (root / config).read_bytes(), options.ca_bundle
        )

    image = _image_step(
        options,
        "server",
        server_recipe,
        inputs=(config,),
        extra={"RECIPE": images.static_digest("server")},
        deps=(server_build.STEP_ID,),
        description="server image (the Maven build's assembly on OpenJDK 17)",
    )
    return [*ui, server_build.step(ws.root, ui[0].id if ui else ""), image]


def interpreter_prefix(python: Path) -> Path:
    """The installation prefix of an interpreter (``sys.base_prefix``), asked of it."""
    proc = subprocess.run(
        [str(python), "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True, timeout=60
    )
    if proc.returncode != 0:
        raise ConnkitError(f"{python} does not run: {proc.stderr.strip()[-200:]}")
    return Path(proc.stdout.strip())


def _ingestion_steps(ws: Workspace, options: StackOptions, available: Collection[str]) -> list[Step]:
    if not options.server:
        return [
            _image_step(
                options,
                "ingestion",
                lambda ctx: images.ingestion_recipe(workspace_of(ctx), options.ca_bundle),
                inputs=images.INGESTION_INPUTS,
                extra={"RECIPE": images.static_digest("ingestion", images.CONSTRAINTS.encode())},
            )
        ]
    from connkit.openmetadata.stack.extras import ingestion_extras
    from connkit.openmetadata.workspace.python import choose_python

    choice = choose_python(ws.root)
    prefix = interpreter_prefix(choice.path)
    version = choice.version or _version_of(choice.path)
    extras = ingestion_extras(ws, options)
    airflow = options.airflow
    inputs = images.INGESTION_PACKAGING_INPUTS + (images.AIRFLOW_APIS_INPUTS if airflow else ())

    def runtime_recipe(ctx: StepContext) -> images.ImageRecipe:
        ctx.log(f"ingestion runtime: Python {version} from {prefix} ({choice.why}); extras {extras or '-'}")
        return images.ingestion_runtime_recipe(
            workspace_of(ctx), prefix, version, bool(airflow), options.ca_bundle
        )

    runtime = _image_step(
        options,
        "ingestion-runtime",
        runtime_recipe,
        inputs=inputs,
        extra={
            "RECIPE": images.static_digest("ingestion-runtime", images.CONSTRAINTS.encode()),
            "PYTHON": f"{prefix}|{version}",
            "EXTRAS": ",".join(extras),
            "AIRFLOW": airflow,
        },
        buildargs=lambda ctx: {
            "PYTHON_PREFIX": str(prefix),
            "PYTHON_VERSION": version,
            "EXTRAS": ",".join(extras),
            "AIRFLOW": airflow,
        },
        tools=((str(choice.path), "--version"),),
        description=f"ingestion runtime image (Python {version}"
        + (f", Airflow {airflow} + managed APIs)" if airflow else ")"),
    )
    source = _image_step(
        options,
        "ingestion",
        lambda ctx: images.ingestion_source_recipe(workspace_of(ctx)),
        inputs=images.INGESTION_INPUTS,
        extra={"RECIPE": images.static_digest("ingestion-source")},
        on=RUNTIME_STEP,
        deps=(GENERATE_STEP,) if GENERATE_STEP in available else (),
        description="ingestion image (the checkout's ingestion/ source on its runtime)",
    )
    return [runtime, source]


def _version_of(python: Path) -> str:
    proc = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip()


def image_step_ids(options: StackOptions) -> list[str]:
    ids = [BASE_STEP, f"stack.image.{database_image_name(options)}"]
    if options.search:
        ids.append("stack.image.search")
    if options.server:
        ids += ([ui_build.STEP_ID] if options.ui else []) + [server_build.STEP_ID, SERVER_IMAGE_STEP]
    if options.ingestion:
        ids += ([RUNTIME_STEP] if options.server else []) + [INGESTION_STEP]
    return ids


def image_names(options: StackOptions) -> dict[str, str]:
    """Compose service -> the image (id file) it runs."""
    names = {"database": database_image_name(options)}
    if options.search:
        names["search"] = "search"
    if options.server:
        names["server"] = "server"
    if options.ingestion:
        names["ingestion"] = "ingestion"
    return names
