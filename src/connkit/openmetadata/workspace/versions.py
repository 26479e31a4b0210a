"""Which release a tree is, read from its own files: the root ``pom.xml``'s ``<version>`` (a
checkout, ``1.1.0-SNAPSHOT``) and the ingestion package's version (``PKG-INFO``,
``pyproject.toml`` or ``setup.py``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path


def pom_version(root: Path) -> str | None:
    """The root ``pom.xml``'s own ``<version>`` (not its parent's): the release of a checkout."""
    try:
        project = ET.parse(root / "pom.xml").getroot()
    except (OSError, ET.ParseError):
        return None
    for child in project:
        if isinstance(child.tag, str) and child.tag.rpartition("}")[2] == "version":
            return (child.text or "").strip() or None
    return None


#: Where the ingestion package says its version, strongest first.
_INGESTION_VERSION = (
    ("PKG-INFO", r"^Version:\s*(\S+)"),
    ("pyproject.toml", r'^version\s*=\s*"([^"]+)"'),
    ("setup.py", r'version\s*=\s*"([^"]+)"'),
)


def ingestion_version(root: Path) -> str:
    """The ingestion package's version from its sdist metadata, pyproject or setup.py."""
    for name, pattern in _INGESTION_VERSION:
        try:
            text = (root / "ingestion" / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        match = re.search(pattern, text, re.M)
        if match:
            return match.group(1)
    return ""
