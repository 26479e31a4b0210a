"""Interactive questions for `connkit scaffold` run on a terminal without flags.

Only what the workspace's release has is offered: its service types, and the auth types whose
schemas it carries.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.prompt import Confirm, IntPrompt, Prompt

from connkit.errors import UsageError
from connkit.openmetadata.scaffold.options import AUTH_TYPES, CAPABILITIES, CONNECTION_TYPES, validate_name
from connkit.openmetadata.services import SERVICE_TYPES


def _ask_list(label: str, choices: tuple[str, ...], default: str, console: Console) -> list[str]:
    """Several values picked from a numbered list, by name or number (``1,5`` or ``basic,token``)."""
    console.print("  " + "  ".join(f"[bold]{i}[/bold] {c}" for i, c in enumerate(choices, 1)))
    while True:
        answer = Prompt.ask(
            f"{label} ({', '.join(choices)}; comma-separated names or numbers)",
            default=default,
            console=console,
        )
        values = []
        for word in (v.strip() for v in answer.split(",") if v.strip()):
            if word.isdigit() and 1 <= int(word) <= len(choices):
                word = choices[int(word) - 1]
            values.append(word)
        unknown = [v for v in values if v not in choices]
        if not unknown:
            return list(dict.fromkeys(values))
        console.print(f"[red]unknown: {', '.join(unknown)}[/red]")


def equivalent_command(answers: dict[str, Any], force: bool = False) -> str:
    """The one-line `connkit scaffold` the answers amount to, for the next time."""
    argv = ["connkit", "scaffold"]
    for key, value in answers.items():
        if value in (None, "", []):
            continue
        flag = "--" + key.replace("_", "-")
        argv += [flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    if force:
        argv.append("--force")
    return shlex.join(argv)


def ask_options(
    console: Console | None = None,
    service_types: tuple[str, ...] = SERVICE_TYPES,
    auth_types: Callable[[str], tuple[str, ...]] = lambda _service_type: AUTH_TYPES,
) -> dict[str, Any]:
    """Ask for each flag in upstream's order; the answers go through the same validation as flags.

    ``service_types`` and ``auth_types`` (per service type) are what the workspace offers.
    """
    console = console or Console()
    console.print(
        "[bold]connkit scaffold[/bold]: answer a few questions (Ctrl-C to stop, nothing is written)"
    )
    while True:
        name = Prompt.ask("Connector name (snake_case)", console=console)
        try:
            validate_name(name)
            break
        except UsageError as exc:
            console.print(f"[red]{exc}[/red]")
    service_type = Prompt.ask(
        "Service type",
        choices=list(service_types),
        default="database" if "database" in service_types else service_types[0],
        console=console,
    )
    conn_choices = list(CONNECTION_TYPES) if service_type == "database" else ["rest_api", "sdk_client"]
    connection_type = Prompt.ask(
        "Connection type", choices=conn_choices, default=conn_choices[0], console=console
    )
    answers: dict[str, Any] = {
        "name": name,
        "service_type": service_type,
        "connection_type": connection_type,
        "display_name": Prompt.ask("Display name", default="", console=console),
        "description": Prompt.ask("Description", default="", console=console),
        "auth_types": _ask_list("Auth types", auth_types(service_type), "basic", console),
    }
    if service_type == "database":
        answers["capabilities"] = _ask_list("Capabilities", CAPABILITIES, "metadata", console)
    if connection_type == "sqlalchemy":
        answers["scheme"] = Prompt.ask("SQLAlchemy scheme (blank: default)", default="", console=console)
    else:
        answers["api_endpoints"] = [
            e.strip()
            for e in Prompt.ask(
                "API endpoints (METHOD /path, comma-separated; blank: default)", default="", console=console
            ).split(",")
            if e.strip()
        ]
    if connection_type == "sdk_client":
        answers["sdk_package"] = Prompt.ask("SDK package (importable module)", default="", console=console)
    port = IntPrompt.ask("Default port (0: none)", default=0, console=console)
    answers["default_port"] = port or None
    answers["docs_url"] = Prompt.ask("Vendor docs URL", default="", console=console)
    answers["docs_notes"] = Prompt.ask("Notes for CONNECTOR_CONTEXT.md", default="", console=console)
    if Confirm.ask("Add a Docker-based integration test?", default=False, console=console):
        answers["docker_image"] = Prompt.ask("Docker image", console=console)
        answers["docker_port"] = IntPrompt.ask("Port the image listens on", console=console)
    return answers
