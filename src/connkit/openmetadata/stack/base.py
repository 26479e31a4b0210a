"""Base images made on this machine: no registry is needed, only Debian's package mirror.

``debootstrap --variant=minbase`` builds a root filesystem and ``docker import`` turns it into
an image, labelled with the recipe so a later run finds it instead of rebuilding it (~40 s).
A user who already has a suitable Debian image passes ``--base-image`` instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import docker.errors

import docker
from connkit.errors import ConnkitError

BASE_LABEL = "org.connkit.base-recipe"
RECIPE_VERSION = "1"


@dataclass(frozen=True)
class BaseRecipe:
    suite: str = "bookworm"
    variant: str = "minbase"
    mirror: str = os.environ.get("CONNKIT_DEBIAN_MIRROR", "http://deb.debian.org/debian")

    @property
    def tag(self) -> str:
        return f"connkit/base:{self.suite}-{self.variant}"

    @property
    def label(self) -> str:
        return f"{self.suite}/{self.variant}/v{RECIPE_VERSION}"


def find_base_image(client: docker.DockerClient, recipe: BaseRecipe) -> str | None:
    """The id of an image already made from this recipe, if the engine still has one."""
    try:
        image = client.images.get(recipe.tag)
    except docker.errors.ImageNotFound:
        return None
    return image.id if (image.labels or {}).get(BASE_LABEL) == recipe.label else None


def make_base_image(recipe: BaseRecipe, log: Callable[[str], None]) -> str:
    """debootstrap a root filesystem and import it; returns the new image id."""
    if shutil.which("debootstrap") is None:
        raise ConnkitError(
            "debootstrap is not installed: run ci/install-docker.sh (or apt-get install debootstrap), "
            "or pass --base-image with a Debian bookworm image you already have"
        )
    with tempfile.TemporaryDirectory(prefix="connkit-rootfs-") as tmp:
        rootfs = os.path.join(tmp, "rootfs")
        log(f"debootstrap --variant={recipe.variant} {recipe.suite} ({recipe.mirror})")
        proc = subprocess.run(
            ["debootstrap", f"--variant={recipe.variant}", recipe.suite, rootfs, recipe.mirror],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-20:])
            log(tail)
            raise ConnkitError(f"debootstrap failed (exit {proc.returncode}); see the log above")
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(os.path.join(rootfs, cache), ignore_errors=True)
        log(f"docker import → {recipe.tag}")
        tar = subprocess.Popen(["tar", "-C", rootfs, "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        imp = subprocess.run(
            [
                "docker",
                "import",
                "--change",
                f"LABEL {BASE_LABEL}={recipe.label}",
                "--change",
                'CMD ["/bin/bash"]',
                "-",
                recipe.tag,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
        )
        assert tar.stdout is not None
        tar.stdout.close()
        tar.wait()
        if imp.returncode != 0 or tar.returncode != 0:
            raise ConnkitError(f"docker import failed: {imp.stderr.strip().splitlines()[-1:]}")
    return imp.stdout.strip()


def ensure_base_image(client: docker.DockerClient, recipe: BaseRecipe, log: Callable[[str], None]) -> str:
    existing = find_base_image(client, recipe)
    if existing:
        log(f"base image {recipe.tag} already made ({existing[:19]})")
        return existing
    return make_base_image(recipe, log)


def user_base_image(client: docker.DockerClient, reference: str) -> str:
    """The id of a ``--base-image`` the user already has (never pulled: no registry here)."""
    try:
        return client.images.get(reference).id
    except docker.errors.ImageNotFound:
        raise ConnkitError(
            f"--base-image {reference}: the engine has no such image; load or import it first "
            "(e.g. `docker load -i FILE`), or drop the flag to let connkit make one"
        ) from None
