"""Free space where connkit's caches grow: the download cache (sdists, jars, the Maven
repository it fills) and the workspace's engine cache (every step's outputs: the Python
environment, generated models, node_modules). One line per file system they share."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.process import InstallHint
from connkit.openmetadata.doctor.model import Check, State

GIB = 1024**3
#: What a checkout's first full run writes (UI node_modules and yarn cache ~2 GB, the Python
#: environment ~0.6 GB, Maven's repository and the stored outputs), with room to spare.
MIN_FREE = 5 * GIB


@dataclass(frozen=True)
class Place:
    label: str
    path: Path
    moved_by: str  # the variable that puts it elsewhere


def _existing(path: Path) -> Path:
    """The path itself or its nearest existing parent: what a cache not made yet will live on."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(os.sep)


def check(places: list[Place], minimum: int = MIN_FREE) -> list[Check]:
    by_device: dict[int, list[Place]] = {}
    anchor: dict[int, Path] = {}
    for place in places:
        existing = _existing(place.path)
        device = existing.stat().st_dev
        by_device.setdefault(device, []).append(place)
        anchor.setdefault(device, existing)
    checks = []
    for device, group in by_device.items():
        free = shutil.disk_usage(anchor[device]).free
        names = ", ".join(f"{p.label} {p.path}" for p in group)
        detail = f"{free / GIB:.1f} GiB free for {names}; the caches want {minimum / GIB:.0f} GiB"
        move = "; ".join(f"export {p.moved_by}=/bigger/disk/{p.path.name}" for p in group)
        fix = InstallHint(
            "room for the caches",
            f"free space on that disk, or move the caches: {move}",
            f"free space on that disk, or move the caches: {move}",
        )
        state = State.OK if free >= minimum else State.LOW
        checks.append(Check("disk", state, detail, "the caches", True, fix))
    return checks
