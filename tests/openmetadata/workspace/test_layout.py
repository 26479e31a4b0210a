"""Layout detection on hand-written trees: shapes, extensions, i18n, extras, framework."""

from __future__ import annotations

import json

from connkit.openmetadata.workspace.layout import (
    SHAPE_LOADER_MAP,
    SHAPE_SWITCH,
    SHAPE_UNKNOWN,
    detect_layout,
    detect_service_ui,
    kebab,
)
from tests.openmetadata.release.trees import write_spec

UTILS = "openmetadata-ui/src/main/resources/ui/src/utils"

SWITCH_TS = """
import { DashboardServiceType } from '../generated/entity/services/dashboardService';
import lookerConnection from '../jsons/connectionSchemas/connections/dashboard/lookerConnection.json';
import metabaseConnection from '../jsons/connectionSchemas/connections/dashboard/metabaseConnection.json';

export const getDashboardConfig = (type: DashboardServiceType) => {
  let schema = {};
  switch (type) {
    case DashboardServiceType.Looker: {
      schema = lookerConnection;
      break;
    }
    case DashboardServiceType.Metabase: {
      schema = metabaseConnection;
      break;
    }
  }
  return schema;
};
"""

LOADER_TSX = """
const databaseSchemaLoaders: Partial<Record<DatabaseServiceType, SchemaLoader>> = {
  [DatabaseServiceType.Mysql]: () =>
    import('../jsons/connectionSchemas/connections/database/mysqlConnection.json'),
  [DatabaseServiceType.BigQuery]: () =>
    import('../jsons/connectionSchemas/connections/database/bigQueryConnection.json'),
};
export const x = () => <div />;
"""


def _ui(tmp_path, file_name, text, service_type):
    utils = tmp_path / UTILS
    utils.mkdir(parents=True, exist_ok=True)
    (utils / file_name).write_text(text)
    ui = detect_service_ui(tmp_path, service_type)
    return ui.shape, ui.connectors


def test_ui_shape_switch_lists_cases(tmp_path):
    shape, members = _ui(tmp_path, "DashboardServiceUtils.ts", SWITCH_TS, "dashboard")
    assert shape == SHAPE_SWITCH
    assert members == ("Looker", "Metabase")


def test_ui_shape_loader_map_lists_keys(tmp_path):
    # No enum import: the service type's own enum name (DatabaseServiceType) is looked for.
    shape, members = _ui(tmp_path, "DatabaseServiceUtils.tsx", LOADER_TSX, "database")
    assert shape == SHAPE_LOADER_MAP
    assert members == ("Mysql", "BigQuery")


def test_ui_shape_unknown_for_unrelated_code(tmp_path):
    assert _ui(tmp_path, "PipelineServiceUtils.ts", "export const a = 1;\n", "pipeline") == (
        SHAPE_UNKNOWN,
        (),
    )


def test_detect_layout_of_a_checkout(tmp_path):
    write_spec(tmp_path)
    utils = tmp_path / UTILS
    utils.mkdir(parents=True)
    (utils / "DashboardServiceUtils.ts").write_text(SWITCH_TS)
    (utils / "DatabaseServiceUtils.tsx").write_text(LOADER_TSX)
    layout = detect_layout(tmp_path)
    assert layout.origin == "checkout"
    assert layout.release is None
    assert layout.service_types == (
        "database",
        "dashboard",
        "pipeline",
        "messaging",
        "mlmodel",
        "storage",
        "search",
        "api",
    )
    db = layout.services["database"]
    assert (db.extension, db.shape, db.path) == (
        ".tsx",
        SHAPE_LOADER_MAP,
        f"{UTILS}/DatabaseServiceUtils.tsx",
    )
    dash = layout.services["dashboard"]
    assert (dash.extension, dash.shape) == (".ts", SHAPE_SWITCH)
    assert layout.services["api"].path is None
    assert layout.test_connections == "missing"
    assert layout.i18n_labels is False  # no en-us.json


def test_i18n_labels_detected_from_en_us(tmp_path):
    utils = tmp_path / UTILS
    utils.mkdir(parents=True)
    (utils / "DashboardServiceUtils.ts").write_text(SWITCH_TS)
    locale = tmp_path / "openmetadata-ui/src/main/resources/ui/src/locale/languages"
    locale.mkdir(parents=True)
    (locale / "en-us.json").write_text(json.dumps({"label": {"looker": "Looker", "metabase": "M"}}))
    assert detect_layout(tmp_path).i18n_labels is True
    (locale / "en-us.json").write_text(json.dumps({"label": {"save": "Save"}}))
    assert detect_layout(tmp_path).i18n_labels is False


def test_manifest_of_an_assembled_workspace_wins(tmp_path):
    (tmp_path / ".connkit-workspace.json").write_text(
        json.dumps(
            {
                "release": "1.4.0",
                "pypi_version": "1.4.0.1",
                "i18n_labels": True,
                "test_connections": "derived",
            }
        )
    )
    layout = detect_layout(tmp_path)
    assert (layout.origin, layout.release, layout.pypi_version) == ("assembled", "1.4.0", "1.4.0.1")
    assert layout.i18n_labels is True
    assert layout.test_connections == "derived"
    assert json.loads(json.dumps(layout.to_json()))["release"] == "1.4.0"


def test_kebab_matches_upstream_label_keys():
    assert kebab("BigQuery") == "big-query"
    assert kebab("Mssql") == "mssql"
    assert kebab("AzureSQL") == "azure-sql"
    assert kebab("ADLS") == "adls"


def test_a_checkouts_release_is_its_root_poms_own_version(tmp_path):
    (tmp_path / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><parent><version>9.9.9</version></parent>'
        "<artifactId>platform</artifactId><version>1.1.0-SNAPSHOT</version></project>"
    )
    (tmp_path / "ingestion").mkdir()
    (tmp_path / "ingestion/setup.py").write_text(
        'setup(name="openmetadata-ingestion", version="1.1.0.0.dev0")\n'
    )
    layout = detect_layout(tmp_path)
    assert (layout.release, layout.pypi_version) == ("1.1.0-SNAPSHOT", "1.1.0.0.dev0")
    (tmp_path / "ingestion/PKG-INFO").write_text("Name: openmetadata-ingestion\nVersion: 1.1.0.1\n")
    assert detect_layout(tmp_path).pypi_version == "1.1.0.1"  # sdist metadata first
    (tmp_path / "pom.xml").write_text("<project><broken")
    assert detect_layout(tmp_path).release is None


def test_info_shows_the_chosen_python_and_why(tmp_path, monkeypatch):
    from connkit.openmetadata.workspace.layout import describe

    monkeypatch.delenv("CONNKIT_PYTHON", raising=False)
    (tmp_path / "ingestion").mkdir()
    (tmp_path / "ingestion/PKG-INFO").write_text("Name: x\nRequires-Python: >=3.8\n")
    text = describe(detect_layout(tmp_path))
    line = next(row for row in text.splitlines() if row.startswith("python"))
    assert "requires Python >=3.8" in line
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    (tmp_path / "ingestion/PKG-INFO").write_text("Name: x\nRequires-Python: ==2.1.*\n")
    line = next(r for r in describe(detect_layout(tmp_path)).splitlines() if r.startswith("python"))
    assert line.startswith("python          none found:") and "CONNKIT_PYTHON" in line
