"""nox sessions: isolated, repeatable runs for CI and people. Logic lives in src/connkit/."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run connkit's test suite (pass pytest arguments after --, e.g. -- -m 'not slow')."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the package, tests and benchmarks."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py", "tasks.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py", "tasks.py")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks measured side by side; `-- --json` ends with one JSON object of ratios."""
    session.install("-e", ".[test]", "doit", "mypy")
    session.run("python", "benchmarks/run_all.py", *session.posargs)


def _validate_sessions() -> None:
    """One validate(connector=...) session per connector of the workspace (CONNKIT_WORKSPACE or
    the folder nox was started in); connkit is imported from this checkout's src/."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    try:
        from connkit.openmetadata.ci.nox_sessions import add_validate_sessions, locate_workspace
    except ImportError as exc:  # its dependencies are not where nox runs
        print(f"noxfile: validate sessions unavailable ({exc})", file=sys.stderr)
        return
    add_validate_sessions(nox, install=["-e", "."], workspace=locate_workspace(), python=PYTHON)


_validate_sessions()
