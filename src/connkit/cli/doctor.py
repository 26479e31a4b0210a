"""``connkit doctor``: whether this machine can do the whole workflow, and how to fix what is not."""

from __future__ import annotations

import json as jsonlib
import os
import sys

from invoke.exceptions import Exit

from connkit.cli._common import connkit_task

_STYLE = {"ok": "green", "missing": "red", "wrong version": "red", "not answering": "red", "low": "red"}


@connkit_task(help={"json": "print every check (state, detail, what needs it, the fix) as JSON"})
def doctor(c, json=False):
    """Check git, make, Maven and the JDK the workspace needs, Node and yarn 1, uv, ANTLR, the
    release's Python, Docker and Compose v2, debootstrap, Graphviz, the registries and free
    disk; each problem with the command that fixes it on Debian/Ubuntu and macOS. Exit 1 when
    something needed is missing (optional things only warn)."""
    from connkit.errors import WorkspaceNotFound
    from connkit.openmetadata.doctor import diagnose
    from connkit.openmetadata.workspace import find_workspace

    try:
        ws = find_workspace()
    except WorkspaceNotFound:
        if os.environ.get("CONNKIT_WORKSPACE"):
            raise
        ws = None
    report = diagnose(ws)
    if json:
        sys.stdout.write(jsonlib.dumps(report.as_dict(), indent=2) + "\n")
    else:
        print_report(report)
    if not report.ok:
        raise Exit(code=1)


def print_report(report) -> None:
    from rich.console import Console
    from rich.markup import escape

    from connkit.engine.process import for_user

    out = Console(highlight=False, soft_wrap=True)
    where = f"workspace {report.workspace}" if report.workspace else "no workspace here: checking the machine"
    out.print(f"connkit doctor: {escape(where)}")
    width = max(len(c.name) for c in report.checks)
    for check in report.checks:
        state = check.state.value
        style = _STYLE.get(state, "yellow") if check.required or state == "ok" else "yellow"
        label = state if check.required or state == "ok" else f"{state} (optional)"
        line = f"  [{style}]{label:<20}[/] {escape(check.name):<{width}}  {escape(check.detail)}"
        if check.needed_for:
            line += f" [dim]- for {escape(check.needed_for)}[/]"
        elif not check.required:
            line += " [dim]- no step of this workspace runs it[/]"
        out.print(line)
        if check.fix is not None and (check.failed or check.warned):
            pad = " " * (25 + width)
            out.print(f"{pad}Debian/Ubuntu: [bold]{escape(for_user(check.fix.debian))}[/]")
            out.print(f"{pad}macOS:         [bold]{escape(check.fix.macos)}[/]")
            if check.fix.note:
                out.print(f"{pad}{escape(for_user(check.fix.note))}")
    if report.needs_workspace:
        out.print(
            f"Outside a workspace {', '.join(report.needs_workspace)} are not checked and the JDK, Maven, "
            "Node and yarn versions a workspace asks for are not compared: run inside one or set "
            "CONNKIT_WORKSPACE."
        )
    failed = [c.name for c in report.checks if c.failed]
    warned = [c.name for c in report.checks if c.warned]
    extra = f" ({len(warned)} optional missing: {', '.join(warned)})" if warned else ""
    if failed:
        out.print(f"[red]{len(failed)} problem(s): {escape(', '.join(failed))}[/]{escape(extra)}")
    else:
        out.print(f"[green]this machine has everything the workflow needs[/]{escape(extra)}")
