"""README's main job, as a person runs it: `connkit quickstart` on the default workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_connkit


@pytest.mark.slow
def test_quickstart_creates_scaffolds_registers_and_validates(tmp_path: Path):
    ws = tmp_path / "om"
    first = run_connkit("quickstart", "--dir", str(ws), cwd=tmp_path, timeout=1800)
    assert first.returncode == 0, first.stderr[-4000:]
    assert (ws / "ingestion/src/metadata/ingestion/source/database/acmedb/metadata.py").is_file()
    run = json.loads((ws / ".connkit/runs/last.json").read_text())
    assert {s["status"] for s in run["steps"]} == {"ran"}
    assert {"generate.python", "generate.java", "generate.ui", "test.acmedb"} <= {
        s["id"] for s in run["steps"]
    }
    again = run_connkit("quickstart", "--dir", str(ws), cwd=tmp_path, timeout=600)
    assert again.returncode == 0, again.stderr[-4000:]
    rerun = json.loads((ws / ".connkit/runs/last.json").read_text())
    assert {s["status"] for s in rerun["steps"]} == {"cached"}
    assert "already registered" in again.stderr + again.stdout
