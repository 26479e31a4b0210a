"""``connkit-pre-commit HOOK [FILE...]``: the entry point of the hooks in
``.pre-commit-hooks.yaml``. pre-commit appends the changed files as arguments, which invoke's
tasks cannot take, so this is a small argparse program of its own. Each hook checks only the
connectors those files belong to, as ``connkit register --check``, ``connkit format --check``
and ``connkit review`` do (the last two in-process: a checkout has hundreds of connectors).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence

from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.workspace import Workspace


def _register_check(ws: Workspace, found: Sequence[Connector]) -> int:
    from connkit.openmetadata.register import register

    failed = 0
    for c in found:
        report = register(ws, c.name, c.service_type, check=True)
        if report.missing:
            failed += 1
            print(report.render())
            print(f"{c.name}: {len(report.missing)} missing; run `connkit register --name {c.name}`")
        else:
            print(f"{c.name}: registration complete")
    return 1 if failed else 0


def _format_check(ws: Workspace, found: Sequence[Connector]) -> int:
    names = [arg for c in found for arg in ("--name", c.name)]
    argv = [sys.executable, "-m", "connkit", "format", "--check", "--logs", "errors", *names]
    return subprocess.run(argv, cwd=ws.root, check=False).returncode


def _review(ws: Workspace, found: Sequence[Connector]) -> int:
    from connkit.openmetadata.review import review
    from connkit.openmetadata.review.output import to_text

    blocked = 0
    for c in found:
        result = review(ws, c.name, c.service_type)
        print(to_text(result), end="")
        blocked += bool(result.blockers)
    return 1 if blocked else 0


RUNS = {"register-check": _register_check, "format-check": _format_check, "review": _review}


def main(argv: list[str] | None = None) -> int:
    from connkit.errors import ConnkitError
    from connkit.openmetadata.ci.hooks import changed_connectors
    from connkit.openmetadata.workspace import find_workspace

    parser = argparse.ArgumentParser(prog="connkit-pre-commit", description=__doc__.split("\n\n")[0])
    parser.add_argument("hook", choices=sorted(RUNS))
    parser.add_argument("files", nargs="*", help="the files pre-commit passes")
    args = parser.parse_args(argv)
    try:
        ws = find_workspace()
        found = changed_connectors(ws, args.hook, args.files)
        if not found:
            print(f"connkit-{args.hook}: none of the {len(args.files)} file(s) belongs to a connector")
            return 0
        print(f"connkit-{args.hook}: {', '.join(c.name for c in found)}")
        return RUNS[args.hook](ws, found)
    except ConnkitError as exc:
        print(f"connkit: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
