"""The test_fn and plugins dicts, read one way for scaffold, review, workspace.create and register."""

from __future__ import annotations

import ast

from connkit.openmetadata.pysource import has_plugin_extras, plugins_dict, step_functions

CONNECTION_PY = """
test_fn: dict = {"CheckAccess": a, "GetTables": b}

def test_connection(metadata, client):
    test_fn = {"CheckAccess": a, **more}
    test_connection_steps(metadata=metadata, test_fn={"GetViews": c})
"""


def test_every_test_fn_dict_in_source_order_with_its_function():
    found = step_functions(ast.parse(CONNECTION_PY))
    assert [(f.keys, f.function, f.literal) for f in found] == [
        (("CheckAccess", "GetTables"), None, True),
        (("CheckAccess",), "test_connection", False),
        (("GetViews",), "test_connection", True),
    ]
    assert [f.line for f in found] == [2, 5, 6]


def test_plugins_dict_and_extras(tmp_path):
    setup = tmp_path / "setup.py"
    setup.write_text(
        "plugins: Dict[str, Set[str]] = {\n 'mysql': {'x'},\n}\nsetup(extras_require={**plugins})\n"
    )
    assert has_plugin_extras(setup)
    assert [k.value for k in plugins_dict(ast.parse(setup.read_text())).keys] == ["mysql"]
    setup.write_text("setup(install_requires=['x'])\n")
    assert not has_plugin_extras(setup)
    assert not has_plugin_extras(tmp_path / "missing.py")


def test_a_setup_py_that_does_not_parse_counts_as_having_extras(tmp_path):
    # register then reports the syntax error rather than skipping the extra
    setup = tmp_path / "setup.py"
    setup.write_text("plugins = {\n 'mysql': set(),\n}\nsetup(extras_require=plugins)\ndef broken(:\n")
    assert has_plugin_extras(setup)
