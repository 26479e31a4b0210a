"""A key changes exactly when one of its ingredients changes, and not otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connkit.engine import hashing, keys
from connkit.engine.hashing import StatMemo
from connkit.engine.step import Step

from .helpers import concat_step


def key_of(root: Path, step: Step, environ=None, dep_keys=None) -> str:
    environ = {"PATH": os.environ["PATH"]} if environ is None else environ
    return keys.ingredients(step, root, dep_keys or {}, StatMemo(None), keys.ToolVersions(), environ).key()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("alpha\n")
    (tmp_path / "src" / "b.txt").write_text("beta\n")
    return tmp_path


def test_same_everything_same_key(root):
    assert key_of(root, concat_step()) == key_of(root, concat_step())


def test_step_id_enters_key(root):
    assert key_of(root, concat_step()) != key_of(root, concat_step(id="build.other"))


def test_command_enters_key(root):
    assert key_of(root, concat_step(command=("true",))) != key_of(root, concat_step(command=("false",)))


def test_cwd_and_outputs_enter_key(root):
    base = key_of(root, concat_step())
    assert key_of(root, concat_step(cwd="src")) != base
    assert key_of(root, concat_step(outputs=("out/other.txt",))) != base


def test_input_content_enters_key(root):
    before = key_of(root, concat_step())
    (root / "src" / "a.txt").write_text("ALPHA\n")
    assert key_of(root, concat_step()) != before


def test_input_path_enters_key(root):
    before = key_of(root, concat_step())
    (root / "src" / "a.txt").rename(root / "src" / "c.txt")
    assert key_of(root, concat_step()) != before


def test_added_and_removed_inputs_enter_key(root):
    before = key_of(root, concat_step())
    (root / "src" / "new.txt").write_text("x")
    added = key_of(root, concat_step())
    assert added != before
    (root / "src" / "new.txt").unlink()
    assert key_of(root, concat_step()) == before


def test_unmatched_files_do_not_enter_key(root):
    before = key_of(root, concat_step())
    (root / "src" / "notes.md").write_text("not an input")
    (root / "src" / "__pycache__").mkdir()
    (root / "src" / "__pycache__" / "x.txt").write_text("cache droppings")
    assert key_of(root, concat_step()) == before


def test_touch_without_content_change_keeps_key(root):
    before = key_of(root, concat_step())
    os.utime(root / "src" / "a.txt", (1, 1))
    assert key_of(root, concat_step()) == before


def test_declared_env_value_enters_key_hashed(root):
    step = concat_step(env=("SECRET_TOKEN",))
    base = {"PATH": os.environ["PATH"]}
    unset = key_of(root, step, base)
    one = key_of(root, step, {**base, "SECRET_TOKEN": "hunter2"})
    two = key_of(root, step, {**base, "SECRET_TOKEN": "other"})
    assert len({unset, one, two}) == 3
    ingredients = keys.ingredients(
        step, root, {}, StatMemo(None), keys.ToolVersions(), {"SECRET_TOKEN": "hunter2"}
    )
    assert "hunter2" not in str(ingredients.as_dict())


def test_undeclared_and_pass_through_env_stay_out_of_key(root):
    step = concat_step(pass_env=("VISIBLE",))
    base = {"PATH": os.environ["PATH"]}
    assert key_of(root, step, base) == key_of(root, step, {**base, "VISIBLE": "1", "OTHER": "2"})


def test_set_env_enters_key(root):
    assert key_of(root, concat_step(set_env={"MODE": "a"})) != key_of(
        root, concat_step(set_env={"MODE": "b"})
    )


def test_tool_version_enters_key(root, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tool = bindir / "fakemvn"
    tool.write_text("#!/bin/sh\necho 'Apache Maven 3.8.7'\n")
    tool.chmod(0o755)
    step = concat_step(tools=(("fakemvn", "-v"),))
    env = {"PATH": f"{bindir}:{os.environ['PATH']}"}
    before = key_of(root, step, env)
    assert key_of(root, step, env) == before
    tool.write_text("#!/bin/sh\necho 'Apache Maven 3.9.9'\n")
    assert key_of(root, step, env) != before


def test_missing_tool_is_an_ingredient(root):
    step = concat_step(tools=(("no-such-tool-xyz", "--version"),))
    ingredients = keys.ingredients(
        step, root, {}, StatMemo(None), keys.ToolVersions(), {"PATH": "/nonexistent"}
    )
    assert ingredients.missing_tools == ["no-such-tool-xyz"]


def test_dependency_key_enters_key(root):
    step = concat_step(deps=("gen",))
    assert key_of(root, step, dep_keys={"gen": "a" * 64}) != key_of(root, step, dep_keys={"gen": "b" * 64})


def test_explain_names_each_change(root):
    step = concat_step(env=("FOO",))
    memo, tools = StatMemo(None), keys.ToolVersions()
    old = keys.ingredients(step, root, {}, memo, tools, {"FOO": "1"})
    (root / "src" / "a.txt").write_text("changed")
    (root / "src" / "z.txt").write_text("added")
    new = keys.ingredients(concat_step(env=("FOO",), command=("true",)), root, {}, memo, tools, {"FOO": "2"})
    reasons = keys.explain(old, new)
    assert "input changed: src/a.txt" in reasons
    assert "input added: src/z.txt" in reasons
    assert "env FOO changed" in reasons
    assert any(r.startswith("command changed") for r in reasons)
    assert keys.explain(None, new) == ["no previous record of this step"]


def test_stat_memo_skips_reading_unchanged_files(root, monkeypatch):
    path = root / "src" / "a.txt"
    os.utime(path, (1_000_000, 1_000_000))  # old enough not to be "racy"
    memo = StatMemo(root / "memo.json")
    first = memo.digest(path)
    memo.save()
    reads = []
    monkeypatch.setattr(hashing, "digest_file", lambda p: reads.append(p) or "x")
    again = StatMemo(root / "memo.json")
    assert again.digest(path) == first
    assert reads == []
    path.write_text("different size now")
    os.utime(path, (1_000_000, 1_000_000))
    assert again.digest(path) == "x"
    assert reads == [path]


def test_stat_memo_does_not_trust_fresh_files(root, monkeypatch):
    path = root / "src" / "a.txt"
    memo = StatMemo(None)
    memo.digest(path)  # mtime is "now": inside the racy window, so not memoised
    calls = []
    real = hashing.digest_file
    monkeypatch.setattr(hashing, "digest_file", lambda p: calls.append(p) or real(p))
    memo.digest(path)
    assert calls == [path]


def test_tool_versions_are_remembered_until_the_tool_changes(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    calls = tmp_path / "calls.txt"
    tool = bindir / "faketool"
    tool.write_text(f"#!/bin/sh\necho x >> {calls}\necho 'faketool 1.0'\n")
    tool.chmod(0o755)
    env = {"PATH": f"{bindir}:/usr/bin:/bin"}
    memo = tmp_path / "tools.json"
    first = keys.ToolVersions(memo)
    one = first.digest(("faketool", "--version"), env)
    first.save()
    again = keys.ToolVersions(memo).digest(("faketool", "--version"), env)
    assert again == one
    assert calls.read_text().count("x") == 1  # the second run did not spawn the tool
    tool.write_text(f"#!/bin/sh\necho x >> {calls}\necho 'faketool 2.0 (upgraded)'\n")
    upgraded = keys.ToolVersions(memo).digest(("faketool", "--version"), env)
    assert upgraded != one
    assert calls.read_text().count("x") == 2


def test_scanner_partial_invalidation_keeps_unrelated_listings(tmp_path):
    from connkit.engine.globs import Scanner

    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.py").write_text("")
    (tmp_path / "out").mkdir()
    scanner = Scanner(tmp_path)
    assert scanner.expand(("src/*.py", "out/*")) == ["src/a.py"]
    (tmp_path / "src/b.py").write_text("")
    (tmp_path / "out/new.txt").write_text("")
    scanner.invalidate(["out"])
    # out/ is listed afresh; src/ still answers from its listing until src is invalidated.
    assert scanner.expand(("src/*.py", "out/*")) == ["out/new.txt", "src/a.py"]
    scanner.invalidate()
    assert scanner.expand(("src/*.py",)) == ["src/a.py", "src/b.py"]
