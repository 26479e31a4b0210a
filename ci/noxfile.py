"""nox sessions for this OpenMetadata workspace, written by `connkit ci.install`.

One `validate(connector='X')` session per connector found here, the names the CI matrix
(`connkit ci.matrix`) gives its jobs: `nox -s "validate(connector='mysql')"`. Each session
installs connkit (CONNKIT_REQUIREMENT, default `connkit`) and runs `connkit validate`.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

from connkit.openmetadata.ci.nox_sessions import add_validate_sessions

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True

add_validate_sessions(
    nox,
    install=[os.environ.get("CONNKIT_REQUIREMENT") or "connkit"],
    workspace=Path(__file__).resolve().parent,
)
