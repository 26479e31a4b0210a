"""The workspace's interpreter comes from what the tree says, not from connkit's own version."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from connkit.errors import UsageError
from connkit.openmetadata.workspace import python as wpy

OWN = f"{sys.version_info.major}.{sys.version_info.minor}"


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_tested_versions_from_the_ci_matrix(tmp_path):
    write(tmp_path, ".github/workflows/py-tests.yml", "matrix:\n  py-version: ['3.7', '3.8', '3.9']\n")
    write(tmp_path, "ingestion/setup.py", 'setup(python_requires=">=3.7")\n')
    versions, why = wpy.acceptable_versions(tmp_path)
    assert versions == ("3.9", "3.8", "3.7")
    assert "py-tests.yml" in why


def test_noxfile_wins_over_classifiers(tmp_path):
    write(
        tmp_path, "ingestion/noxfile.py", '@nox.session(python=["3.10", "3.11", "3.12"])\ndef unit(s): ...\n'
    )
    write(tmp_path, "ingestion/setup.py", '"Programming Language :: Python :: 3.9",\n')
    assert wpy.acceptable_versions(tmp_path)[0] == ("3.12", "3.11", "3.10")


def test_requires_python_alone_admits_connkits_own(tmp_path):
    write(tmp_path, "ingestion/PKG-INFO", "Name: openmetadata-ingestion\nRequires-Python: >=3.8\n")
    choice = wpy.choose_python(tmp_path)
    assert choice.version == OWN and "requires Python" in choice.why


def test_an_older_release_gets_an_older_interpreter(tmp_path, monkeypatch):
    fake = tmp_path / "pyenv" / "versions" / "3.1.4" / "bin"
    fake.mkdir(parents=True)
    (fake / "python3.1").write_text("#!/bin/sh\n")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.delenv(wpy.OVERRIDE_ENV, raising=False)
    write(tmp_path, "ws/ingestion/setup.py", '"Programming Language :: Python :: 3.1",\n')
    choice = wpy.choose_python(tmp_path / "ws")
    assert choice.path == fake / "python3.1" and choice.version == "3.1"


def test_none_installed_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "nothing"))
    monkeypatch.delenv(wpy.OVERRIDE_ENV, raising=False)
    write(tmp_path, "ingestion/setup.py", '"Programming Language :: Python :: 3.2",\n')
    with pytest.raises(UsageError, match=r"install one of 3\.2 .*CONNKIT_PYTHON"):
        wpy.choose_python(tmp_path)
