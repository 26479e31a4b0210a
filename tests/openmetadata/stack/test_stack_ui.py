"""The UI in the stack, proven in a real browser (checkout tier).

On the 1.1 checkout a dashboard connector is scaffolded and registered and a second one only
scaffolded; `stack.up --mode ui` builds the UI from the checkout's sources (cached step
`stack.ui.build`), the server with it (the checkout's Maven build with frontend-maven-plugin's
skip switches) and the stack. Debian's Chromium, driven by Playwright for Python, then logs in
as the default admin and walks upstream's own path (Settings → Services → Dashboards → Add New
Service): the registered connector is among the options, the scaffolded one is not, and
selecting it shows the connection form of its schema. The page is saved as a screenshot under
the test's folder and copied where CI keeps artifacts.

The stack runs without the ingestion container: nothing here needs Airflow, and
test_stack_server covers it. Cold (empty connkit cache) the UI's generators and webpack take
~15 minutes on top of the server's Maven build; warm every build step is a cache hit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from connkit.openmetadata.stack.server_api import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.conftest import run_connkit

from . import generate_models
from .test_stack_server import Stack, _ok, remove_from_tree

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.usefixtures("engine")]

NAME, CAMEL = "acmedash", "Acmedash"  # scaffolded and registered
DRAFT, DRAFT_CAMEL = "draftdash", "Draftdash"  # scaffolded only
UP = ("stack.up", "--mode", "ui", "--no-ingestion", "--ephemeral-ports")
CHROMIUM = "/usr/bin/chromium"
#: As the machine's notes say Chromium runs here: headless, and no calls to Google's hosts.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SCREENSHOTS = ("add-new-service-list.png", "add-new-service-acmedash.png")  # the options; the form


def _files(name: str) -> list[str]:
    return [
        f"ingestion/src/metadata/ingestion/source/dashboard/{name}",
        f"openmetadata-spec/src/main/resources/json/schema/entity/services/connections/dashboard/{name}Connection.json",
        f"openmetadata-service/src/main/resources/json/data/testConnections/dashboard/{name}.json",
        f"ingestion/tests/unit/topology/dashboard/test_{name}.py",
        f"ingestion/tests/integration/connections/test_{name}_connection.py",
    ]


def _require_browser() -> None:
    """Chromium and Playwright skip on a laptop without them but fail in CI, where
    ci/setup-browser.sh and the test extra install them."""
    missing = []
    if not Path(CHROMIUM).is_file():
        missing.append(f"{CHROMIUM} (apt-get install chromium: ci/setup-browser.sh)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright for Python (pip install -e '.[test]')")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI has no browser to drive: {', '.join(missing)}")
        pytest.skip(f"no browser to drive: {', '.join(missing)}")


def artifacts_dir() -> Path:
    return Path(
        os.environ.get("CONNKIT_TEST_ARTIFACTS") or Path.home() / ".cache" / "connkit-test" / "artifacts"
    )


@pytest.fixture(scope="module")
def ui_stack(om_checkout):
    _require_browser()
    stack = Stack(om_checkout)
    tools = om_checkout.state.parent / "tools"
    tools.mkdir(exist_ok=True)
    (stack.root / "connkit.toml").write_text(generate_models.workspace_step(tools))
    try:
        scaffold = ("scaffold", "--service-type", "dashboard", "--auth-types", "token")
        _ok(stack.connkit(*scaffold, "--name", NAME))
        _ok(stack.connkit("register", "--name", NAME))
        _ok(stack.connkit(*scaffold, "--name", DRAFT))
        started = time.monotonic()
        proc = _ok(stack.connkit(*UP, timeout=5400))
        stack.up_seconds = time.monotonic() - started
        stack.up_output = proc.stdout + proc.stderr
        stack.first_run = json.loads((om_checkout.state / "runs" / "last.json").read_text())["steps"]
        yield stack
    finally:
        stack.connkit("stack.down", "--volumes")
        stack.connkit("unregister", "--name", NAME)
        remove_from_tree(stack.root, (*_files(NAME), *_files(DRAFT), "connkit.toml"))


def _keys(steps: list[dict]) -> dict[str, tuple[str, str]]:
    return {s["id"]: (s["status"], s["key"]) for s in steps}


def test_the_ui_built_from_the_checkout_is_served_by_the_server_from_its_ui_jar(ui_stack: Stack) -> None:
    steps = _keys(ui_stack.first_run)
    for step in ("stack.ui.build", "stack.server.build", "stack.image.server"):
        assert steps[step][0] in ("ran", "cached", "restored"), steps[step]
    assert "built from this checkout (Maven, with the UI built by yarn)" in ui_stack.up_output
    base = ui_stack.url("server", "8585")
    page = httpx.get(f"{base}/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    bundle = httpx.get(f"{base}/openmetadata.bundle.js", timeout=60)
    assert bundle.status_code == 200 and len(bundle.content) > 1_000_000
    libs = subprocess.run(
        ["docker", "exec", ui_stack.container("server"), "ls", "/opt/openmetadata/libs"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert any(lib.startswith("openmetadata-ui-") and lib.endswith(".jar") for lib in libs), libs


def test_stack_open_prints_the_url_and_the_login_and_opens_no_browser_without_a_display(
    ui_stack: Stack,
) -> None:
    env = ui_stack.checkout.env()
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        env.pop(name, None)
    proc = _ok(run_connkit("stack.open", cwd=ui_stack.root, env=env))
    base = ui_stack.url("server", "8585")
    assert proc.stdout.splitlines() == [
        f"OpenMetadata UI: {base}/",
        f"log in as {ADMIN_EMAIL} / {ADMIN_PASSWORD}",
        "no display here (no $DISPLAY, $WAYLAND_DISPLAY or $BROWSER): open the URL in a browser",
    ]


def test_add_new_service_lists_the_registered_connector_only_and_shows_its_connection_form(
    ui_stack: Stack, tmp_path: Path, request
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = ui_stack.url("server", "8585")
    listed, form = (tmp_path / name for name in SCREENSHOTS)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="chromium-", dir=tmp_path),  # a new, empty profile
            executable_path=CHROMIUM,
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": 1440, "height": 900},
        )
        context.set_default_timeout(60_000)
        page = context.new_page()
        events: list[str] = []  # what the page said and failed to load: kept beside the screenshots
        page.on("console", lambda m: events.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: events.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: events.append(f"request failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and events.append(f"HTTP {r.status}: {r.url}"))
        page.on("framenavigated", lambda f: f == page.main_frame and events.append(f"at {f.url}"))
        try:
            page.goto(f"{base}/")
            page.locator("#email").fill(ADMIN_EMAIL)
            page.locator("#password").fill(ADMIN_PASSWORD)
            page.get_by_test_id("login").click()
            # 1.1's login lands on the home page twice: once when it is authenticated, again when
            # the logged-in user's record arrives (its handler pushes "/" from the sign-in page's
            # stale location). A click on Settings in between is taken back: wait for the second.
            _wait_until(lambda: homes(events) >= 2, page, "the second landing on /my-data after the login")
            page.wait_for_load_state("networkidle")
            # Upstream's own path (its Cypress goToAddNewServicePage): Settings → Services → Dashboards.
            page.get_by_test_id("appbar-item-settings").click()
            page.wait_for_url(lambda url: "/settings" in url)
            # "Dashboards" is in the panel twice, under Services and then under Custom Attributes:
            # the first, as Cypress's `.contains` picks; the URL proves it was the services page.
            page.get_by_test_id("global-setting-left-panel").get_by_text(
                "Dashboards", exact=True
            ).first.click()
            page.wait_for_url(lambda url: "/settings/services/dashboards" in url)
            # the header's "Add New Service" once services exist, the empty page's "Add" before
            add = page.get_by_test_id("add-service-button").or_(page.get_by_test_id("add-placeholder-button"))
            add.first.click()
            page.wait_for_url(lambda url: "/add-service" in url)
            expect(page.get_by_text("Add New Service").first).to_be_visible()
            options = page.get_by_test_id("select-service")
            expect(options.get_by_test_id("Metabase")).to_be_visible()  # the dashboard list it is
            expect(options.get_by_test_id(CAMEL)).to_be_visible()
            assert CAMEL in options.inner_text().split()
            expect(options.get_by_test_id(DRAFT_CAMEL)).to_have_count(0)
            assert DRAFT_CAMEL not in options.inner_text()
            options.get_by_test_id(CAMEL).click()
            page.screenshot(path=str(listed), full_page=True)
            page.get_by_test_id("next-button").click()
            page.get_by_test_id("service-name").fill(f"{NAME}_ui_test")
            page.get_by_test_id("next-button").click()
            # The connection form rjsf renders from acmedashConnection.json: its fields by id.
            for field in ("hostPort", "token"):
                expect(page.locator(f"[id='root/{field}']")).to_be_visible()
            expect(page.locator("[id='root/token']")).to_have_attribute("type", "password")
            schema = json.loads((ui_stack.root / _files(NAME)[1]).read_text())
            required = schema.get("required", ())
            for field in ("hostPort", "token"):  # labelled with the schema's titles ("*": required)
                title = schema["properties"][field]["title"] + ("*" if field in required else "")
                expect(page.get_by_role("textbox", name=title, exact=True)).to_have_id(f"root/{field}")
        finally:
            page.screenshot(path=str(form))  # the form (where it stopped, on a failure too)
            context.close()
            log = tmp_path / "browser-events.txt"
            log.write_text("\n".join(events) + "\n")
            _keep(request, [p for p in (listed, form, log) if p.is_file()])
    assert listed.stat().st_size > 10_000 and form.stat().st_size > 10_000


def homes(events: list[str]) -> int:
    return sum(1 for e in events if e.startswith("at ") and e.endswith("/my-data"))


def _wait_until(condition, page, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds:.0f} s")
        page.wait_for_timeout(200)  # lets Playwright deliver the page's events


def _keep(request, shots: list[Path]) -> None:
    """Copy the screenshots where CI keeps artifacts, and say where they are."""
    keep = artifacts_dir()
    keep.mkdir(parents=True, exist_ok=True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for shot in shots:
        shutil.copyfile(shot, keep / shot.name)
        if reporter is not None:
            reporter.write_line(f"screenshot: {shot} (kept as {keep / shot.name})")


def test_a_rerun_after_a_python_edit_rebuilds_neither_the_ui_nor_the_server(ui_stack: Stack) -> None:
    source = ui_stack.root / _files(NAME)[0] / "metadata.py"
    source.write_text(source.read_text() + f"# edited by the UI test {time.time_ns()}\n")
    _ok(ui_stack.connkit(*UP, "--fast"))
    before = _keys(ui_stack.first_run)
    after = _keys(json.loads((ui_stack.checkout.state / "runs" / "last.json").read_text())["steps"])
    for step in ("stack.ui.build", "stack.server.build", "stack.image.server"):
        assert after[step][0] in ("cached", "restored"), after[step]
        assert after[step][1] == before[step][1]
    assert httpx.get(f"{ui_stack.url('server', '8585')}/", timeout=30).status_code == 200
