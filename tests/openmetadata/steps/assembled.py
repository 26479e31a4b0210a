"""A real workspace for the toolchain tests and benchmark: `connkit workspace.create`'s,
assembled from the published spec jar and ingestion sdist (downloads are cached)."""

from __future__ import annotations

import sys
from pathlib import Path

from connkit.openmetadata.release.create import create_workspace


def assemble(root: Path) -> Path:
    create_workspace(root, progress=lambda m: print(m, file=sys.stderr))
    return root
