"""Which generation of the ingestion framework a workspace carries, read from its files.

Releases up to 1.x ("classic") expose ``get_connection``/``test_connection`` functions, have no
ServiceSpec loader and use pydantic 1 (``parse_obj``, ``__root__``); 2.x has a
``BaseConnection`` class, ``service_spec.py`` and pydantic 2. Scaffold writes for the one it
finds and ``workspace.info`` reports it, so both read it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from connkit.openmetadata.workspace import SETUP_PY

FRAMEWORK = Path("ingestion/src/metadata")
GENERATED_SAMPLE = Path(
    "ingestion/src/metadata/generated/schema/entity/services/connections/connectionBasicType.py"
)


@dataclass(frozen=True)
class Framework:
    source: bool  # the framework's own code is there (ingestion/src/metadata/ingestion)
    pydantic_major: int | None  # pinned in setup.py, else seen in its generated models
    service_spec: bool  # metadata/utils/service_spec exists (the ServiceSpec loader)
    upstream_scaffold: bool  # metadata/cli/scaffold.py exists

    @property
    def classic(self) -> bool:
        """1.x shape; a workspace without framework source is written for the newest."""
        return self.source and not self.service_spec

    @property
    def pydantic(self) -> int:
        if not self.source:
            return 2
        return self.pydantic_major or (1 if self.classic else 2)

    @property
    def validate(self) -> str:
        return "parse_obj" if self.pydantic == 1 else "model_validate"

    @property
    def root(self) -> str:
        return "__root__" if self.pydantic == 1 else "root"


def detect_framework(root: Path) -> Framework:
    return Framework(
        source=(root / FRAMEWORK / "ingestion").is_dir(),
        pydantic_major=pydantic_major(root),
        service_spec=(root / FRAMEWORK / "utils" / "service_spec").is_dir(),
        upstream_scaffold=(root / FRAMEWORK / "cli" / "scaffold.py").is_file(),
    )


def pydantic_major(root: Path) -> int | None:
    """Pydantic major version the ingestion framework pins (setup.py), else seen in its models."""
    try:
        text = (root / SETUP_PY).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    match = re.search(r"[\"']pydantic\s*(?:~=|==|>=|<)\s*(\d+)", text)
    if match:
        return int(match.group(1))
    try:
        model = (root / GENERATED_SAMPLE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return 2 if "ConfigDict" in model or "RootModel" in model else 1
