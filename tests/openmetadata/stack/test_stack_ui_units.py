"""The UI build's key and the pieces of `--mode ui` and `stack.open` that need no Docker.

The key is computed by the real engine (a dry run) over a small workspace shaped like the 1.1
UI: a package with a build script, hand-written sources, json2ts's TypeScript and the parsed
connection schemas the forms import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connkit.engine import driver
from connkit.engine.options import RunOptions
from connkit.engine.report import SilentReporter
from connkit.errors import UsageError
from connkit.openmetadata.register import register
from connkit.openmetadata.stack import browser, server_build, ui_build
from connkit.openmetadata.stack.options import StackOptions
from connkit.openmetadata.workspace import UI_ROOT

UI = UI_ROOT.as_posix()
DRAFT = "entity/services/connections/dashboard/myDbConnection.json"


def _ui_package(root: Path) -> None:
    ui = root / UI
    (ui / "src" / "components").mkdir(parents=True, exist_ok=True)
    (ui / "package.json").write_text(json.dumps({"scripts": {"build": "webpack"}}))
    (ui / "src" / "components" / "AddService.tsx").write_text("export const list = [];\n")
    (ui / "src" / "components" / "AddService.test.tsx").write_text("it('x', () => {});\n")
    types = ui / "src" / "generated" / "entity" / "services"
    (types / "connections" / "dashboard").mkdir(parents=True, exist_ok=True)
    (types / "dashboardService.ts").write_text("export enum DashboardServiceType { Alpha = 'Alpha' }\n")
    (types / "connections" / "dashboard" / "myDbConnection.ts").write_text("export interface MyDb {}\n")
    parsed = ui / "src" / "jsons" / "connectionSchemas" / "connections" / "dashboard"
    parsed.mkdir(parents=True, exist_ok=True)
    (parsed / "myDbConnection.json").write_text("{}\n")


def _key(ws) -> str:
    step = ui_build.step(ws)
    plan = driver.run(ws, [step], [step.id], RunOptions(dry_run=True), reporter=SilentReporter())
    return next(e.key for e in plan.steps if e.id == step.id)


@pytest.fixture
def ws(make_workspace):
    ws = make_workspace()  # dashboard connector myDb: scaffolded, not registered
    _ui_package(ws.root)
    return ws


def test_a_scaffolded_connector_is_unregistered_until_register_wires_it_in(ws) -> None:
    assert DRAFT in ui_build.unregistered_connection_schemas(ws)
    register(ws, "my_db")
    assert DRAFT not in ui_build.unregistered_connection_schemas(ws)


def test_the_key_ignores_python_edits_tests_and_an_unregistered_connectors_generated_files(ws) -> None:
    before = _key(ws)
    (ws.root / "ingestion" / "edited.py").write_text("x = 1\n")
    (ws.root / UI / "src/components/AddService.test.tsx").write_text("it('y', () => {});\n")
    types, parsed = (ws.root / p for p in ui_build.generated_from(DRAFT))
    types.write_text("export interface MyDb { hostPort: string }\n")
    parsed.write_text('{"properties": {}}\n')
    (ws.root / UI / "dist").mkdir()
    (ws.root / UI / "dist" / "index.html").write_text("<html></html>")
    assert _key(ws) == before


def test_the_key_follows_the_ui_sources_the_generated_enum_and_a_registration(ws) -> None:
    keys = {_key(ws)}
    (ws.root / UI / "src/components/AddService.tsx").write_text("export const list = [1];\n")
    keys.add(_key(ws))
    enum = ws.root / UI / "src/generated/entity/services/dashboardService.ts"
    enum.write_text("export enum DashboardServiceType { Alpha = 'Alpha', MyDb = 'MyDb' }\n")
    keys.add(_key(ws))
    register(ws, "my_db")  # the utils switch imports its schema; its generated files count now
    keys.add(_key(ws))
    types, _ = (ws.root / p for p in ui_build.generated_from(DRAFT))
    types.write_text("export interface MyDb { token: string }\n")
    keys.add(_key(ws))
    assert len(keys) == 5


def test_the_dist_is_read_from_the_ui_pom(ws) -> None:
    assert ui_build.dist_dir(ws) == f"{UI}/dist"  # no pom: 1.1's place
    pom = ws.root / "openmetadata-ui" / "pom.xml"
    pom.write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><build><resources>'
        "<resource><directory>src/main/resources/json/data</directory></resource>"
        "<resource><directory>src/main/resources/ui/build</directory></resource>"
        "</resources></build></project>"
    )
    assert ui_build.dist_dir(ws) == f"{UI}/build"
    assert ui_build.step(ws).outputs == (f"{UI}/build",)


def test_a_ui_package_without_a_build_script_is_refused(ws) -> None:
    (ws.root / UI / "package.json").write_text(json.dumps({"scripts": {"start": "webpack serve"}}))
    with pytest.raises(UsageError) as err:
        ui_build.check_ready(ws)
    assert str(err.value) == (
        f"--mode ui: {UI}/package.json has no 'build' script to build the UI from; run stack.up --mode no-ui"
    )


def test_the_ui_mode_server_build_is_upstreams_with_the_frontend_plugins_skip_switches() -> None:
    plain = server_build.step(Path("/x"))
    with_ui = server_build.step(Path("/x"), ui_build.STEP_ID)
    assert plain.deps == () and with_ui.deps == (ui_build.STEP_ID,)
    assert "-DonlyBackend" in server_build.argv(False) and "!openmetadata-ui" in server_build.argv(False)[-1]
    argv = server_build.argv(True)
    assert "-DonlyBackend" not in argv and "openmetadata-ui" not in argv[-1]
    assert {"-Dskip.installyarn", "-Dskip.yarn", "-DskipTests"} <= set(argv)
    assert plain.action_version != with_ui.action_version


def test_the_default_mode_is_upstreams_and_says_it_was_not_chosen() -> None:
    assert (StackOptions().mode, StackOptions().mode_chosen) == ("ui", False)
    assert (StackOptions(mode="no-ui").mode, StackOptions(mode="no-ui").mode_chosen) == ("no-ui", True)
    assert not StackOptions().ui  # no server (no checkout release): nothing to build a UI into


@pytest.mark.parametrize(
    ("environ", "platform", "opens"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"BROWSER": "firefox"}, "linux", True),
        ({}, "darwin", True),
    ],
)
def test_a_browser_is_opened_only_where_one_can_show_a_page(environ, platform, opens) -> None:
    calls = []
    line = browser.open_url(
        "http://127.0.0.1:8585/", lambda url: calls.append(url) or True, environ, platform
    )
    assert calls == (["http://127.0.0.1:8585/"] if opens else [])
    assert line == ("opened it in your browser" if opens else browser.why_not(environ, platform))


def test_a_browser_that_fails_to_start_is_a_line_not_an_error() -> None:
    def broken(url: str) -> bool:
        raise OSError("no such file: firefox")

    line = browser.open_url("http://x/", broken, {"BROWSER": "firefox"}, "linux")
    assert line == "could not start a browser (OSError: no such file: firefox): open the URL yourself"
    assert browser.open_url("http://x/", lambda u: False, {"DISPLAY": ":0"}, "linux") == (
        "found no browser to open it: open the URL yourself"
    )


def test_a_server_without_the_ui_is_named_and_the_login_still_printed() -> None:
    lines = browser.OpenTarget("http://127.0.0.1:8585", "admin@openmetadata.org", "admin", "no-ui").lines()
    assert lines[1].startswith("it runs without the UI (built with --mode no-ui)")
    assert lines[2] == "log in to the API as admin@openmetadata.org / admin"
    ui = browser.OpenTarget("http://127.0.0.1:8585", "admin@openmetadata.org", "admin", "ui")
    assert ui.lines() == [
        "OpenMetadata UI: http://127.0.0.1:8585/",
        "log in as admin@openmetadata.org / admin",
    ]
