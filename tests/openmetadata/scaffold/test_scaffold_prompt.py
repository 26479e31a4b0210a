"""`connkit scaffold` with no flags on a terminal: the questions, multi-value answers picked by
number or name, then the equivalent one-line command and a confirmation before anything is written."""

from __future__ import annotations

import io
import re
import sys

import pytest

from .helpers import make_workspace, run_cli, tree_digest

# name, service type, connection type, display name, description, auth types (by number),
# endpoints, port, docs url, notes, docker test?, then the confirmation
ANSWERS = ["newdash", "dashboard", "rest_api", "", "", "1,5", "/api/items", "0", "", "", "n"]


@pytest.fixture
def terminal(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    monkeypatch.delenv("CONNKIT_WORKSPACE", raising=False)

    def answer(*replies: str) -> None:
        """Called in the test itself, where sys.stdout is capsys's: that is the one to patch."""
        it = iter(replies)
        monkeypatch.setattr("builtins.input", lambda *a, **k: next(it))
        monkeypatch.setattr(sys, "stdin", io.StringIO())
        monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)

    return ws, answer


def test_declining_the_confirmation_writes_nothing_and_shows_the_command(terminal, capsys):
    ws, answer = terminal
    answer(*ANSWERS, "n")
    before = tree_digest(ws.root)
    code, out, err = run_cli([], capsys)
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert code == 0, err
    assert (
        "the same as: connkit scaffold --name newdash --service-type dashboard --connection-type rest_api"
        in out
    )
    assert "--auth-types basic,token" in out  # picked by number: 1 and 5
    assert "--api-endpoints /api/items" in out
    assert "nothing written" in out
    assert tree_digest(ws.root) == before


def test_confirming_writes_the_connector(terminal, capsys):
    ws, answer = terminal
    answer(*ANSWERS, "y")
    code, out, err = run_cli([], capsys)
    assert code == 0, err
    assert (ws.source_package("dashboard", "newdash") / "connection.py").is_file()
    assert "scaffolded Newdash" in out
