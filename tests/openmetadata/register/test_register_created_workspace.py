"""register / review / unregister on a workspace assembled by ``workspace.create``.

One connector per service type of the release gets a scaffold-shaped connection schema, then:
register adds only characters (git's character diff removes nothing), a second register and
``--check`` change nothing, review's registration rule is satisfied, and unregister gives
back the committed tree byte for byte.
"""

from __future__ import annotations

import json
import sys

import pytest

from connkit.openmetadata.register import ADDED, ALREADY, register, unregister
from connkit.openmetadata.release.create import create_workspace
from connkit.openmetadata.review import review
from connkit.openmetadata.workspace import Workspace
from connkit.openmetadata.workspace.layout import detect_layout
from tests.om_workspace import connection_schema, git, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def created(tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("created") / "om"
    create_workspace(root, progress=lambda m: print(m, file=sys.stderr))
    return Workspace(root)


def test_register_every_service_type_then_unregister(created):
    ws = created
    layout = detect_layout(ws.root)
    names = {t: f"ck_{t}_probe" for t in layout.service_types}
    for service_type in names:
        module = "ck" + service_type.capitalize() + "Probe"
        camel = module[:1].upper() + module[1:]
        path = ws.connection_schema(service_type, module)
        path.write_text(json.dumps(connection_schema(service_type, module, camel), indent=2) + "\n")
    git(ws.root, "add", "-A")
    git(ws.root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "probes")
    before = snapshot(ws.root)

    for name in names.values():
        current = snapshot(ws.root)
        assert register(ws, name, check=True).missing
        assert snapshot(ws.root) == current
        report = register(ws, name)
        statuses = {s for s, _ in report.lines}
        assert ADDED in statuses and ALREADY not in statuses
        if layout.services[report.connector.service_type].path:
            assert any(".ts" in d for s, d in report.lines if s == ADDED)

    removed = [
        ln
        for ln in git(ws.root, "diff", "--word-diff=porcelain", "--word-diff-regex=.").splitlines()
        if ln.startswith("-") and not ln.startswith("---")
    ]
    assert removed == []
    after = snapshot(ws.root)
    for name in names.values():
        assert {s for s, _ in register(ws, name).lines} <= {ALREADY, "not needed"}
        assert register(ws, name, check=True).missing == []
        assert review(ws, name, rules=["schema/registered"]).findings == []
    assert snapshot(ws.root) == after

    for name in names.values():
        unregister(ws, name)
    assert snapshot(ws.root) == before
