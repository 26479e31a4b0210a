"""``stack.open``: where the running stack's UI is, how to log in, and a browser where one is.

The URL is the server's published 8585 on 127.0.0.1 and the login the release's default admin
(basic auth). A browser is opened only where one can show a page: ``$BROWSER`` set, a display
(X11 or Wayland), or macOS and Windows, whose ``webbrowser`` hands the URL to the desktop. On
a headless machine (CI, ssh) the URL is printed and nothing is launched: Python's
``webbrowser`` would otherwise pick a console browser there and take over the terminal. It
never fails the command: a browser that cannot start is a line saying so.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connkit.errors import UsageError
from connkit.openmetadata.stack import server_api
from connkit.openmetadata.workspace import Workspace


@dataclass(frozen=True)
class OpenTarget:
    url: str
    email: str
    password: str
    mode: str  # what the server was built with: "ui", "no-ui" ("" when the label is missing)

    @property
    def has_ui(self) -> bool:
        return self.mode == "ui"

    def lines(self) -> list[str]:
        if not self.has_ui:
            return [
                f"OpenMetadata server: {self.url}/ (API {self.url}/api/v1)",
                f"it runs without the UI (built with --mode {self.mode or 'no-ui'}): / answers 404; "
                "`connkit stack.up --mode ui` builds the UI into it",
                f"log in to the API as {self.email} / {self.password}",
            ]
        return [f"OpenMetadata UI: {self.url}/", f"log in as {self.email} / {self.password}"]


def target(ws: Workspace) -> OpenTarget:
    """The running stack's server: refused (exit 2) where no server is running."""
    from connkit.openmetadata.stack import lifecycle

    rows = {r.state.service: r.state for r in lifecycle.status(ws)}
    server = rows.get("server")
    if server is None or server.state != "running":
        if rows:
            raise UsageError(
                "this workspace's stack has no running OpenMetadata server (an assembled workspace "
                "has none): nothing to open"
            )
        raise UsageError("no stack is running for this workspace: run stack.up first")
    url = lifecycle.server_url(ws).url
    return OpenTarget(url, server_api.ADMIN_EMAIL, server_api.ADMIN_PASSWORD, server.mode)


def why_not(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Why no browser can be shown here, or '' where one can."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if env.get("BROWSER") or platform in ("darwin", "win32"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return "no display here (no $DISPLAY, $WAYLAND_DISPLAY or $BROWSER): open the URL in a browser"


def open_url(
    url: str,
    opener: Callable[[str], bool] | None = None,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> str:
    """Open ``url`` in a browser where there is one; the line that says what happened."""
    reason = why_not(environ, platform)
    if reason:
        return reason
    opener = opener or (lambda u: webbrowser.open(u, new=2))
    try:
        opened = opener(url)
    except Exception as exc:  # a broken browser set-up must not fail the command
        return f"could not start a browser ({type(exc).__name__}: {exc}): open the URL yourself"
    return "opened it in your browser" if opened else "found no browser to open it: open the URL yourself"
