"""The checkout tier's fixture gives a real upstream tree, committed, with a state folder."""

from __future__ import annotations

import subprocess


def test_checkout_is_a_committed_upstream_tree(om_checkout):
    root = om_checkout.root
    assert (root / "openmetadata-spec").is_dir() and (root / "Makefile").is_file()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout == ""
    assert om_checkout.state.is_dir()
    assert om_checkout.env()["CONNKIT_CACHE_DIR"] == str(om_checkout.state)
