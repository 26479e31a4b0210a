"""``connkit register`` / ``unregister``: wire a scaffolded connector into the release's files."""

from __future__ import annotations

from invoke.exceptions import Exit

from connkit.cli._common import connkit_task

_HELP = {
    "name": "connector name in snake_case (as scaffolded), e.g. my_db",
    "service_type": "override the service type read from the connection schema",
}


@connkit_task(
    positional=[],
    help={**_HELP, "check": "only list missing registrations; exit 1 if any, change nothing"},
)
def register(c, name, service_type=None, check=False):
    """Add the connector to the service schema, UI utils, i18n labels and setup.py extras."""
    from connkit.openmetadata import register as reg
    from connkit.openmetadata.workspace import find_workspace

    report = reg.register(find_workspace(), name, service_type=service_type, check=check)
    print(report.render())
    if check and report.missing:
        raise Exit(
            f"connkit: {len(report.missing)} registration(s) missing; run `connkit register --name {name}`",
            code=1,
        )
    if not report.written:
        print(f"{name}: already registered" if not check else f"{name}: registration complete")


@connkit_task(positional=[], help=_HELP)
def unregister(c, name, service_type=None):
    """Remove exactly the registrations `register` adds; the connector's own files stay."""
    from connkit.openmetadata import register as reg
    from connkit.openmetadata.workspace import find_workspace

    report = reg.unregister(find_workspace(), name, service_type=service_type)
    print(report.render())
    if not report.written:
        print(f"{name}: not registered; nothing to remove")
