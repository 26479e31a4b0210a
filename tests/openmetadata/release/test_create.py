"""workspace.create from a pre-filled download cache (no registry), artifacts and templates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import tree_sitter_typescript as tst
from tree_sitter import Language, Parser

from connkit.errors import UsageError
from connkit.openmetadata.release import artifacts
from connkit.openmetadata.release.artifacts import DownloadCache, Release, maven_version_of
from connkit.openmetadata.release.create import create_workspace, render_workspace_templates, template_context
from connkit.openmetadata.workspace.layout import SHAPE_LOADER_MAP, SHAPE_SWITCH, detect_layout
from tests.conftest import SRC
from tests.openmetadata.release.trees import sdist, spec_jar, write_spec

UI = "openmetadata-ui/src/main/resources/ui"


def seeded_cache(tmp_path: Path, maven: str = "9.9.9", pypi: str = "9.9.9.0") -> DownloadCache:
    """A cache that already holds a (tiny) release, as after a first create."""
    cache = DownloadCache(tmp_path / "cache")
    cache.put(
        f"pypi/{artifacts.PYPI_NAME}/{pypi}/sdist", sdist(tmp_path / f"ingestion-{pypi}.tar.gz"), source="t"
    )
    cache.put(
        f"maven/{artifacts.MAVEN_GROUP}/{artifacts.SPEC_ARTIFACT}/{maven}/jar",
        spec_jar(tmp_path / f"openmetadata-spec-{maven}.jar"),
        source="t",
    )
    artifacts.remember_release(Release(pypi, maven, False), cache)
    return cache


@pytest.fixture
def no_clients(monkeypatch, tmp_path):
    """Registry clients unusable: any pip or mvn call fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a registry client ran: {args}")

    monkeypatch.setattr(artifacts, "_run", refuse)


def test_maven_version_of_pypi_versions():
    assert maven_version_of("2.0.6.0") == "2.0.6"
    assert maven_version_of("1.9.11.8.1") == "1.9.11"
    assert maven_version_of("1.4.0") == "1.4.0"
    assert maven_version_of("1.2") == "1.2.0"
    with pytest.raises(UsageError):
        maven_version_of("latest")


def test_cache_detects_a_corrupt_blob(tmp_path):
    cache = DownloadCache(tmp_path / "c")
    source = tmp_path / "a.bin"
    source.write_bytes(b"hello")
    hit = cache.put("k/a", source, source="t")
    assert cache.get("k/a").sha256 == hit.sha256
    hit.path.write_bytes(b"tampered")
    assert cache.get("k/a") is None


def test_create_from_cache_needs_no_registry(tmp_path, no_clients):
    cache = seeded_cache(tmp_path)
    result = create_workspace(tmp_path / "ws", "9.9.9", cache=cache)
    ws = result.path
    assert result.downloaded is False
    assert (ws / "ingestion/setup.py").is_file()
    assert (ws / "ingestion/src/metadata/ingestion/source/database/common_db_source.py").is_file()
    assert (ws / "openmetadata-spec/src/main/resources/json/schema/entity/services/apiService.json").is_file()
    assert not list(ws.rglob("*.class"))
    tests = ws / "openmetadata-service/src/main/resources/json/data/testConnections"
    mysql = json.loads((tests / "database/mysql.json").read_text())
    assert [s["name"] for s in mysql["steps"]] == ["CheckAccess", "GetSchemas"]
    assert [s["name"] for s in json.loads((tests / "dashboard/metabase.json").read_text())["steps"]] == [
        "GetDashboards"
    ]
    assert (ws / ".gitignore").read_text().count(".connkit/") == 1
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ws, capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout == ""
    log = subprocess.run(["git", "log", "--oneline"], cwd=ws, capture_output=True, text=True)
    assert len(log.stdout.splitlines()) == 1
    layout = detect_layout(ws)
    assert (layout.origin, layout.release, layout.test_connections) == ("assembled", "9.9.9", "derived")
    assert layout.services["database"].shape == SHAPE_LOADER_MAP  # 9.9.9 >= 2.0
    assert layout.services["database"].connectors == ("BigQuery", "Mysql")
    assert layout.i18n_labels is False
    assert not (ws / UI / "src/locale/languages/en-us.json").exists()
    assert list(tmp_path.glob(".ws.connkit-*")) == []


def test_create_refuses_a_non_empty_dir(tmp_path, no_clients):
    cache = seeded_cache(tmp_path)
    target = tmp_path / "ws"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        create_workspace(target, "9.9.9", cache=cache)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_create_into_an_empty_dir(tmp_path, no_clients):
    cache = seeded_cache(tmp_path)
    (tmp_path / "ws").mkdir()
    assert create_workspace(tmp_path / "ws", "9.9.9.0", cache=cache).files > 10


def test_a_failed_create_leaves_nothing(tmp_path, monkeypatch, no_clients):
    cache = seeded_cache(tmp_path)

    def boom(root, message):
        raise RuntimeError("git broke")

    monkeypatch.setattr("connkit.openmetadata.release.create.git_init", boom)
    with pytest.raises(RuntimeError):
        create_workspace(tmp_path / "ws", "9.9.9", cache=cache)
    assert not (tmp_path / "ws").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ws")] == []


@pytest.mark.parametrize("maven, shape", [("1.4.0", SHAPE_SWITCH), ("2.0.6", SHAPE_LOADER_MAP)])
def test_ui_templates_parse_and_are_detected(tmp_path, maven, shape):
    write_spec(tmp_path)
    context = template_context(tmp_path, Release(maven + ".0", maven, False))
    render_workspace_templates(tmp_path, context)
    utils = tmp_path / UI / "src/utils"
    for path in sorted(utils.iterdir()):
        language = tst.language_tsx() if path.suffix == ".tsx" else tst.language_typescript()
        tree = Parser(Language(language)).parse(path.read_bytes())
        assert not tree.root_node.has_error, path.name
    layout = detect_layout(tmp_path)
    assert {ui.shape for ui in layout.services.values()} == {shape}
    assert layout.services["api"].path.endswith("APIServiceUtils.ts")
    assert layout.services["search"].connectors == ("ElasticSearch",)
    en_us = tmp_path / UI / "src/locale/languages/en-us.json"
    assert en_us.exists() is (shape == SHAPE_SWITCH)
    if en_us.exists():
        assert json.loads(en_us.read_text())["label"]["big-query"] == "BigQuery"
    package = json.loads((tmp_path / UI / "package.json").read_text())
    assert package["scripts"]["parse-schema"] == "node parse-schema.js"


def test_cli_rejects_a_flag_as_dir(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "connkit", "workspace.create", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC)},
    )
    assert proc.returncode == 2, proc.stderr
    assert "looks like a flag" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_create_json_and_info(tmp_path):
    seeded_cache(tmp_path)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(SRC),
        "CONNKIT_DOWNLOAD_CACHE": str(tmp_path / "cache"),
        "PIP_NO_INDEX": "1",  # any registry lookup would fail
    }
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "connkit",
            "workspace.create",
            str(tmp_path / "ws"),
            "--openmetadata-version",
            "9.9.9",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    summary = json.loads(created.stdout)
    assert summary["release"]["maven_version"] == "9.9.9"
    assert summary["downloaded"] is False
    info = subprocess.run(
        [sys.executable, "-m", "connkit", "workspace.info", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path / "ws" / "ingestion",
    )
    assert info.returncode == 0, info.stderr
    layout = json.loads(info.stdout)
    assert layout["release"] == "9.9.9"
    assert layout["services"]["dashboard"]["shape"] == "loader-map"
    text = subprocess.run(
        [sys.executable, "-m", "connkit", "workspace.info"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path / "ws",
    )
    assert "release         9.9.9" in text.stdout
    assert "DashboardServiceUtils.ts" in text.stdout
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "connkit",
            "workspace.create",
            str(tmp_path / "ws"),
            "--openmetadata-version",
            "9.9.9",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert again.returncode == 2
    assert "not empty" in again.stderr


class FakeRegistries:
    """PyPI and Maven answers for resolution tests; records which Maven versions were probed."""

    def __init__(self, monkeypatch, pypi, listed, served):
        self.probed: list[tuple[str, str]] = []
        monkeypatch.setattr(artifacts, "pypi_versions", lambda name=artifacts.PYPI_NAME: pypi)
        monkeypatch.setattr(artifacts, "maven_versions", lambda a, cache, group=None: listed.get(a, []))

        def has(artifact, version, cache, group=None):
            self.probed.append((artifact, version))
            return version in served.get(artifact, ())

        monkeypatch.setattr(artifacts, "maven_has", has)


PYPI = ["2.0.7.0", "2.0.6.0", "2.0.5.1", "2.0.5.0", "1.4.0.1", "1.4.0.0", "1.2.0.1"]


def test_default_is_the_newest_release_with_a_spec_jar(tmp_path, monkeypatch):
    fake = FakeRegistries(
        monkeypatch, PYPI, {"openmetadata-spec": ["1.4.0", "1.2.0"]}, {"openmetadata-spec": {"2.0.5"}}
    )
    release = artifacts.resolve_release(None, DownloadCache(tmp_path))
    assert release == Release("2.0.5.1", "2.0.5", False)
    # the listing lags: the three newest unlisted releases were asked for directly
    assert fake.probed[:3] == [("openmetadata-spec", v) for v in ("2.0.7", "2.0.6", "2.0.5")]
    # and the answer is remembered for the next create
    assert artifacts.resolve_release(None, DownloadCache(tmp_path)) == release


def test_default_falls_back_to_the_listing(tmp_path, monkeypatch):
    FakeRegistries(monkeypatch, PYPI, {"openmetadata-spec": ["1.4.0", "1.2.0"]}, {})
    assert artifacts.resolve_release(None, DownloadCache(tmp_path)) == Release("1.4.0.1", "1.4.0", False)


def test_requested_versions_map_between_pypi_and_maven(tmp_path, monkeypatch):
    FakeRegistries(
        monkeypatch,
        PYPI,
        {"openmetadata-spec": ["1.4.0"], "openmetadata-service": ["1.4.0"]},
        {},
    )
    cache = DownloadCache(tmp_path)
    assert artifacts.resolve_release("1.4.0", cache) == Release("1.4.0.1", "1.4.0", True)
    assert artifacts.resolve_release("1.4.0.0", cache) == Release("1.4.0.0", "1.4.0", True)
    with pytest.raises(
        UsageError, match="no openmetadata-spec 2.0.7.*releases with both artifacts here: 1.4.0"
    ):
        artifacts.resolve_release("2.0.7.0", cache)
    with pytest.raises(UsageError, match="no 3.1.0.x release"):
        artifacts.resolve_release("3.1", cache)
