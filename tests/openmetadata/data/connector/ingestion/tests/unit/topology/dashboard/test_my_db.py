#  Copyright 2026 connkit test fixture
#  Licensed under the Apache License, Version 2.0 (the "License");
"""Unit tests."""


def test_owner_lookup():
    owners = {"1": {"id": "1"}}
    assert owners.get("1") == {"id": "1"}
