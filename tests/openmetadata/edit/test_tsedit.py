"""tsedit: UI utils edits through tree-sitter, in the switch and loader-map shapes."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from connkit.openmetadata.edit import tsedit

UI = Path(__file__).parents[1] / "data" / "ui"
CASES = [
    ("switch/DashboardServiceUtils.ts", "dashboard", tsedit.SWITCH),
    ("loader/DashboardServiceUtils.ts", "dashboard", tsedit.LOADER_MAP),
    ("switch/DatabaseServiceUtils.tsx", "database", tsedit.SWITCH),
    ("importmap/DatabaseServiceUtils.tsx", "database", tsedit.LOADER_MAP),
]


def _entry(src: bytes, service_type: str, tsx: bool, member="MyDb", module="myDb"):
    enum = tsedit.service_enum_name(src, service_type, tsx)
    assert enum == f"{service_type.capitalize()}ServiceType"
    return tsedit.SchemaEntry(enum=enum, member=member, service_type=service_type, module=module)


def _changed_lines(old: bytes, new: bytes) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(old.decode().splitlines(), new.decode().splitlines()))
    return [d[2:] for d in diff if d.startswith("+ ")], [d[2:] for d in diff if d.startswith("- ")]


@pytest.mark.parametrize("rel,service_type,shape", CASES)
def test_add_is_idempotent_adds_only_lines_and_remove_restores(rel, service_type, shape):
    src = (UI / rel).read_bytes()
    tsx = rel.endswith(".tsx")
    entry = _entry(src, service_type, tsx)
    assert tsedit.detect_shape(src, entry.enum, tsx) == shape
    assert not tsedit.presence(src, entry, tsx).complete
    new = tsedit.add(src, entry, tsx)
    assert tsedit.presence(new, entry, tsx).complete
    assert tsedit.add(new, entry, tsx) == new
    added, removed = _changed_lines(src, new)
    assert removed == []
    assert any("myDbConnection.json" in line for line in added)
    assert any(f"{entry.enum}.MyDb" in line for line in added)
    assert not tsedit.parse(new, tsx).root_node.has_error
    assert tsedit.remove(new, entry, tsx) == src


def test_switch_import_goes_in_sorted_place_with_same_quotes():
    src = (UI / "switch/DashboardServiceUtils.ts").read_bytes()
    new = tsedit.add(src, _entry(src, "dashboard", False), False).decode()
    lines = new.splitlines()
    i = lines.index(
        "import myDbConnection from '../jsons/connectionSchemas/connections/dashboard/myDbConnection.json';"
    )
    assert "gammaConnection" in lines[i - 1] and "omegaConnection" in lines[i + 1]
    assert "case DashboardServiceType.MyDb: {\n      schema = myDbConnection;\n\n      break;\n    }" in new


def test_switch_case_goes_before_default():
    src = (UI / "switch/DatabaseServiceUtils.tsx").read_bytes()
    new = tsedit.add(src, _entry(src, "database", True), True).decode()
    assert new.index("DatabaseServiceType.MyDb") < new.index("default:")


def test_loader_entry_copies_sibling_layout():
    src = (UI / "loader/DashboardServiceUtils.ts").read_bytes()
    new = tsedit.add(src, _entry(src, "dashboard", False), False).decode()
    assert (
        "  [DashboardServiceType.MyDb]: () =>\n"
        "    loadConnectionSchema('connections/dashboard/myDbConnection.json'),\n};"
    ) in new


def test_existing_import_under_another_name_is_reused():
    src = (UI / "switch/DashboardServiceUtils.ts").read_bytes()
    src = src.replace(
        b"import omegaConnection",
        b"import mydbconn from "
        b"'../jsons/connectionSchemas/connections/dashboard/myDbConnection.json';\n"
        b"import omegaConnection",
    )
    new = tsedit.add(src, _entry(src, "dashboard", False), False).decode()
    assert "schema = mydbconn;" in new
    assert new.count("myDbConnection.json") == 1


def test_file_without_switch_or_map_is_an_error():
    src = (
        b"import { DashboardServiceType } from '../generated/entity/services/dashboardService';\n"
        b"export const x = 1;\n"
    )
    entry = _entry(src, "dashboard", False)
    with pytest.raises(tsedit.TsEditError, match="no `switch`"):
        tsedit.add(src, entry, False)


def test_identifier_clash_is_an_error():
    src = (UI / "switch/DashboardServiceUtils.ts").read_bytes() + b"\nconst myDbConnection = 1;\n"
    with pytest.raises(tsedit.TsEditError, match="already used"):
        tsedit.add(src, _entry(src, "dashboard", False), False)


@pytest.mark.parametrize("rel,service_type,shape", CASES)
def test_crlf_files_keep_crlf(rel, service_type, shape):
    src = (UI / rel).read_bytes().replace(b"\n", b"\r\n")
    tsx = rel.endswith(".tsx")
    entry = _entry(src, service_type, tsx)
    new = tsedit.add(src, entry, tsx)
    assert b"\n" not in new.replace(b"\r\n", b"")
    assert tsedit.remove(new, entry, tsx) == src


def test_service_enum_imported_from_another_module_is_found_by_its_name():
    """1.1's StorageServiceUtils.ts imports StorageServiceType from generated/entity/data/container."""
    src = (
        b"import { StorageServiceType } from 'generated/entity/data/container';\n"
        b"import { DashboardServiceType } from 'generated/entity/data/dashboard';\n"
        b"export const f = (type: StorageServiceType) => type;\n"
    )
    assert tsedit.service_enum_name(src, "storage", False) == "StorageServiceType"
    assert tsedit.service_enum_name(src, "messaging", False) is None
