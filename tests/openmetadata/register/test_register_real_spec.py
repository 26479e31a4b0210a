"""register/unregister against the service schemas of a published openmetadata-spec jar.

The jar comes from Maven Central at test time (never committed). ``CONNKIT_SPEC_VERSION``
picks the version; the default is the newest one the registry here serves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from connkit.openmetadata.edit.jsonedit import Document
from connkit.openmetadata.register import register, unregister
from connkit.openmetadata.services import SERVICE_TYPES
from connkit.openmetadata.workspace import Workspace
from tests.om_workspace import SERVICES, connection_schema, git, git_init, snapshot

pytestmark = pytest.mark.slow

VERSION = os.environ.get("CONNKIT_SPEC_VERSION", "1.4.0")
PREFIX = "json/schema/entity/services/"


@pytest.fixture(scope="module")
def service_schemas(tmp_path_factory) -> dict[str, bytes]:
    m2 = Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))
    jar = m2 / f"org/open-metadata/openmetadata-spec/{VERSION}/openmetadata-spec-{VERSION}.jar"
    if not jar.is_file():
        mvn = shutil.which("mvn")
        if mvn is None:
            pytest.skip("mvn is not installed: cannot fetch openmetadata-spec")
        subprocess.run(
            [
                mvn,
                "-q",
                "dependency:get",
                f"-Dartifact=org.open-metadata:openmetadata-spec:{VERSION}",
                "-Dtransitive=false",
            ],
            check=True,
            cwd=tmp_path_factory.mktemp("mvn"),
            timeout=600,
        )
    with zipfile.ZipFile(jar) as z:
        return {
            Path(n).name: z.read(n)
            for n in z.namelist()
            if n.startswith(PREFIX) and n.count("/") == PREFIX.count("/") and n.endswith("Service.json")
        }


def test_jar_has_service_schemas(service_schemas):
    assert {"databaseService.json", "dashboardService.json"} <= set(service_schemas)


def test_jsonedit_edit_and_revert_is_byte_identical(service_schemas):
    for name, raw in service_schemas.items():
        text = raw.decode("utf-8")
        doc = Document(text)
        assert doc.value == json.loads(text), name
        for path in _arrays(doc.root, ()):
            doc.add_item(doc.find(*path), {"name": "Zz"})
            node = doc.find(*path)
            index = next(i for i, v in enumerate(node.value) if v == {"name": "Zz"})
            doc.remove_item(node, index)
            assert doc.text == text, (name, path)


def _arrays(node, path):
    if node.kind == "array":
        yield path
        for i, item in enumerate(node.items):
            yield from _arrays(item, (*path, i))
    elif node.kind == "object":
        for m in node.members:
            yield from _arrays(m.value, (*path, m.key))


def _only_additions(root: Path) -> None:
    """Character-level diff: nothing removed, so every change is an insertion."""
    out = git(root, "diff", "--word-diff=porcelain", "--word-diff-regex=.")
    removed = [ln for ln in out.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert out and not removed, out


def test_register_every_service_type_of_the_release(tmp_path, service_schemas):
    types = [t for t in SERVICE_TYPES if f"{t}Service.json" in service_schemas]
    assert len(types) >= 5
    for service_type in types:
        root = tmp_path / service_type
        services = root / SERVICES
        services.mkdir(parents=True)
        for name, raw in service_schemas.items():
            (services / name).write_bytes(raw)
        conn = services / "connections" / service_type / "connkitProbeConnection.json"
        conn.parent.mkdir(parents=True)
        conn.write_text(json.dumps(connection_schema(service_type, "connkitProbe", "ConnkitProbe")))
        ws = Workspace(root)
        git_init(root)
        before = snapshot(root)

        assert len(register(ws, "connkit_probe", check=True).missing) == 3
        assert snapshot(root) == before
        report = register(ws, "connkit_probe")
        assert report.written == [ws.rel(services / f"{service_type}Service.json")]
        _only_additions(root)
        data = json.loads((services / f"{service_type}Service.json").read_text())
        enum_def = data["properties"]["serviceType"]["$ref"].rsplit("/", 1)[-1]
        assert "ConnkitProbe" in data["definitions"][enum_def]["enum"]
        assert {"name": "ConnkitProbe"} in data["definitions"][enum_def]["javaEnums"]

        after = snapshot(root)
        assert register(ws, "connkit_probe").written == []
        assert snapshot(root) == after
        assert register(ws, "connkit_probe", check=True).missing == []

        unregister(ws, "connkit_probe")
        assert snapshot(root) == before, service_type
        assert git(root, "status", "--porcelain") == ""
