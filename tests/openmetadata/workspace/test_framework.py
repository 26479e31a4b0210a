"""Framework generation, read once for scaffold and workspace.info."""

from __future__ import annotations

from connkit.openmetadata.workspace.framework import detect_framework, pydantic_major
from connkit.openmetadata.workspace.layout import detect_layout


def test_framework_capabilities(tmp_path):
    ingestion = tmp_path / "ingestion"
    (ingestion / "src/metadata/utils/service_spec").mkdir(parents=True)
    (ingestion / "src/metadata/cli").mkdir(parents=True)
    (ingestion / "src/metadata/cli/scaffold.py").write_text("")
    (ingestion / "setup.py").write_text('VERSIONS = {"pydantic": "pydantic>=2.12.5,<3"}\n')
    layout = detect_layout(tmp_path)
    assert (layout.pydantic_major, layout.service_spec, layout.upstream_scaffold) == (2, True, True)
    (ingestion / "setup.py").write_text('VERSIONS = {"pydantic": "pydantic~=1.10"}\n')
    assert pydantic_major(tmp_path) == 1
    (ingestion / "setup.py").unlink()
    assert pydantic_major(tmp_path) is None
    model = ingestion / "src/metadata/generated/schema/entity/services/connections/connectionBasicType.py"
    model.parent.mkdir(parents=True)
    model.write_text("from pydantic import ConfigDict, RootModel\n")
    assert pydantic_major(tmp_path) == 2
    assert detect_layout(tmp_path / "nowhere").upstream_scaffold is False


def test_what_scaffold_writes_for(tmp_path):
    assert (detect_framework(tmp_path).classic, detect_framework(tmp_path).pydantic) == (False, 2)
    (tmp_path / "ingestion/src/metadata/ingestion").mkdir(parents=True)
    classic = detect_framework(tmp_path)  # framework source without a ServiceSpec loader: 1.x
    assert (classic.classic, classic.pydantic, classic.validate, classic.root) == (
        True,
        1,
        "parse_obj",
        "__root__",
    )
    (tmp_path / "ingestion/src/metadata/utils/service_spec").mkdir(parents=True)
    modern = detect_framework(tmp_path)
    assert (modern.classic, modern.pydantic, modern.validate, modern.root) == (
        False,
        2,
        "model_validate",
        "root",
    )
