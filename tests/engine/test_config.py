"""connkit.toml / [tool.connkit] checked against the shipped JSON Schema: a typo is one line
naming the key and the file; task defaults fill only the flags a command line left out."""

from __future__ import annotations

import json

import pytest

from connkit.engine import config
from connkit.engine.config import load_config
from connkit.engine.options import RunOptions, configurable, option_fields
from connkit.engine.project import Folder
from connkit.errors import UsageError
from connkit.resources import schema_file


def _load(tmp_path, text: str, name: str = "connkit.toml"):
    (tmp_path / name).write_text(text)
    return load_config(Folder(tmp_path))


@pytest.mark.parametrize(
    "text, expected",
    [
        ('remote_cach = "http://x"', "unknown key 'remote_cach' (did you mean 'remote_cache'?)"),
        ('jobs = "two"', "jobs must be an integer, not 'two'"),
        ("jobs = 0", "jobs must be at least 1, not 0"),
        ('logs = "some"', "logs must be one of full, new, errors, none, not 'some'"),
        ('remote_cache_mode = "write"', "remote_cache_mode must be one of read, readwrite"),
        ('constraints = "pins.txt"', "constraints must be a list, not 'pins.txt'"),
        ('[[steps]]\nid = "a"\ncommand = "make"', "steps[0].command must be a list, not 'make'"),
        ('[[steps]]\nid = "a"', "steps[0] (step 'a') needs 'command'"),
        (
            '[[steps]]\nid = "a"\ncommand = ["x"]\ninputz = []',
            "unknown key 'inputz' in steps[0] (step 'a') (did you mean 'inputs'?)",
        ),
        (
            '[[steps]]\nid = "a"\ncommand = ["x"]\ntools = [["mvn", 1]]',
            "steps[0].tools[0][1] must be a string, not 1",
        ),
    ],
)
def test_a_typo_is_one_line_naming_the_file_and_the_key(tmp_path, text, expected):
    with pytest.raises(UsageError) as exc:
        _load(tmp_path, text)
    message = str(exc.value)
    assert message.startswith(f"{tmp_path / 'connkit.toml'}: ") and expected in message
    assert "\n" not in message and exc.value.exit_code == 2


def test_pyproject_keys_are_named_as_tool_connkit(tmp_path):
    with pytest.raises(
        UsageError, match=r"pyproject.toml: unknown key 'jbos' in \[tool.connkit\] \(did you mean 'jobs'\?\)"
    ):
        _load(tmp_path, "[tool.connkit]\njbos = 2\n", "pyproject.toml")
    # other tools' tables are not ours to judge
    assert _load(tmp_path, "[tool.ruff]\nflavour = 1\n", "pyproject.toml").table == {}


def test_every_key_the_project_reads_is_in_the_schema(tmp_path):
    schema = json.loads(schema_file("config.schema.json").read_text())
    assert set(schema["$defs"]["step"]["properties"]) == config._STEP_FIELDS
    assert set(configurable()) <= set(schema["properties"])
    assert {"steps", "remote_cache", "remote_cache_mode", "templates", "constraints"} <= set(
        schema["properties"]
    )
    good = _load(
        tmp_path,
        'jobs = 3\nlogs = "none"\nprofile = "t/trace.json"\ntemplates = "tpl"\nconstraints = ["c.txt"]\n'
        'remote_cache = "http://127.0.0.1:1"\nremote_cache_mode = "read"\n'
        '[[steps]]\nid = "a"\ncommand = ["x"]\nset_env = {A = "1"}\ncacheable = false\n',
    )
    assert good.defaults == {"jobs": 3, "logs": "none", "profile": str(tmp_path / "t/trace.json")}
    assert good.steps[0].set_env == {"A": "1"} and good.steps[0].cacheable is False


def test_configured_defaults_fill_only_the_flags_left_out():
    front = {name: default for name, default, _, _ in option_fields()}
    assert front["jobs"] is None and front["logs"] is None and front["force"] is False
    left_out = RunOptions.from_flags(front)
    assert (left_out.jobs, left_out.logs) == (1, "full")
    applied = left_out.with_defaults({"jobs": 4, "logs": "none"})
    assert (applied.jobs, applied.logs) == (4, "none")
    given = RunOptions.from_flags({**front, "jobs": "2", "logs": "errors"})
    assert given.with_defaults({"jobs": 4, "logs": "none"}) == RunOptions(jobs=2, logs="errors")
    # options a program builds are all chosen: configuration does not override them
    assert RunOptions(logs="new").with_defaults({"logs": "none"}).logs == "new"
