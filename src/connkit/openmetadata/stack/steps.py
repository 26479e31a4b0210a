"""The stack's images as cached engine steps.

Each step's key covers its recipe (Dockerfile, scripts, CA bundle, context files: their
digest enters through ``set_env``), the workspace files it carries (``inputs``) and its base
image (a dependency on the base step, whose key names the recipe or the user's image id).
Its output is a small JSON file under ``.connkit/stack/images/`` holding the image id, so a
hit costs nothing and `stack.up` tags the recorded id for compose.
"""

from __future__ import annotations

import json

import docker
from connkit.engine.hashing import digest_bytes
from connkit.engine.step import Step, StepContext
from connkit.fsutil import atomic_write_text
from connkit.openmetadata.stack import artifacts, base, images
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


def _base_id(ws: Workspace) -> str:
    image_id = images.read_id_file(ws.root / id_file("base"))
    if not image_id:
        raise images.ConnkitError("the base image step left no image id; run stack.up again")
    return image_id


def _ca_digest(options: StackOptions) -> str:
    return digest_bytes(options.ca_bundle.read_bytes())[:32] if options.ca_bundle else "none"


def steps(ws: Workspace, options: StackOptions | None = None) -> list[Step]:
    """Image steps for ``options`` (the default stack when called as a catalog provider)."""
    options = options or StackOptions(ca_bundle=resolve_ca_bundle(None))
    recipe = base.BaseRecipe()
    out: list[Step] = []

    if options.base_image:
        user_id = base.user_base_image(_client(), options.base_image)

        def use_base(ctx: StepContext) -> None:
            _write_id(workspace_of(ctx), "base", user_id, options.base_image or "")
            ctx.log(f"base image: {options.base_image} ({user_id[:19]})")

        out.append(
            Step(
                id=BASE_STEP,
                outputs=(id_file("base"),),
                action=use_base,
                action_version="1",
                set_env={"BASE_IMAGE": options.base_image, "BASE_IMAGE_ID": user_id},
                description=f"base image: {options.base_image}",
            )
        )
    else:

        def make_base(ctx: StepContext) -> None:
            image_id = base.ensure_base_image(_client(), recipe, ctx.log)
            _write_id(workspace_of(ctx), "base", image_id, recipe.tag)

        out.append(
            Step(
                id=BASE_STEP,
                outputs=(id_file("base"),),
                action=make_base,
                action_version=base.RECIPE_VERSION,
                set_env={"SUITE": recipe.suite, "VARIANT": recipe.variant},
                description=f"base image: debootstrap {recipe.variant} {recipe.suite} + docker import",
            )
        )

    def image_step(name: str, make_recipe, inputs: tuple[str, ...] = (), extra: dict | None = None) -> Step:
        def build(ctx: StepContext) -> None:
            tag = image_tag(workspace_of(ctx), name)
            image_id = images.build_image(
                _client(), make_recipe(ctx), _base_id(workspace_of(ctx)), tag, ctx.log
            )
            _write_id(workspace_of(ctx), name, image_id, tag)

        static = {"CA_BUNDLE": _ca_digest(options), **(extra or {})}
        return Step(
            id=f"stack.image.{name}",
            inputs=inputs,
            outputs=(id_file(name),),
            action=build,
            action_version="1",
            deps=(BASE_STEP,),
            set_env=static,
            description=f"{name} image (docker build)",
        )

    db = database_image_name(options)
    out.append(
        image_step(
            db,
            lambda ctx: images.database_recipe(options.database, options.ca_bundle),
            extra={"RECIPE": images.static_digest(db)},
        )
    )

    if options.search:
        coords = f"{SEARCH_ARTIFACT}:{SEARCH_VERSION}:zip"

        def search_recipe(ctx: StepContext) -> images.ImageRecipe:
            zip_path = artifacts.maven_copy(coords, workspace_of(ctx).root / DOWNLOADS_DIR, ctx.log)
            return images.search_recipe(zip_path.read_bytes(), options.ca_bundle)

        out.append(
            image_step(
                "search", search_recipe, extra={"RECIPE": images.static_digest("search"), "ARTIFACT": coords}
            )
        )

    if options.ingestion:
        out.append(
            image_step(
                "ingestion",
                lambda ctx: images.ingestion_recipe(workspace_of(ctx), options.ca_bundle),
                inputs=images.INGESTION_INPUTS,
                extra={"RECIPE": images.static_digest("ingestion", images.CONSTRAINTS.encode())},
            )
        )
    return out


def image_step_ids(options: StackOptions) -> list[str]:
    ids = [BASE_STEP, f"stack.image.{database_image_name(options)}"]
    if options.search:
        ids.append("stack.image.search")
    if options.ingestion:
        ids.append("stack.image.ingestion")
    return ids
