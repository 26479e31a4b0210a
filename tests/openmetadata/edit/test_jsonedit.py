"""jsonedit: span-preserving edits keep every byte they do not mean to change."""

from __future__ import annotations

import json

import pytest

from connkit.openmetadata.edit.jsonedit import Document, JsonEditError, detect_indent, dumps_like, parse

SAMPLE = """{
  "a" : 1,
  "list": [
    "x",
    "y"
  ],
  "inline": ["p", "q"],
  "objs": [
    {
      "name": "A"
    }
  ],
  "empty": [],
  "obj": {
    "k1": true,
    "k3": null
  }
}
"""


def test_parse_matches_json_module():
    doc = Document(SAMPLE)
    assert doc.value == json.loads(SAMPLE)
    node = doc.find("list", 1)
    assert SAMPLE[node.start : node.end] == '"y"'


@pytest.mark.parametrize(
    "bad",
    ['{"a": 1,}', '{"a" 1}', "[1, 2", '{"a": tru}', '{"a": "x\n"}', "{} {}", ""],
)
def test_invalid_json_is_reported_with_a_position(bad):
    with pytest.raises(JsonEditError, match="line"):
        parse(bad)


def test_add_item_to_multiline_array_only_adds_a_line_and_reverts():
    doc = Document(SAMPLE)
    doc.add_item(doc.find("list"), "z")
    assert doc.value["list"] == ["x", "z", "y"]
    added = [line for line in doc.text.splitlines() if line not in SAMPLE.splitlines()]
    assert added == ['    "z",']
    doc.remove_item(doc.find("list"), 1)
    assert doc.text == SAMPLE


def test_add_object_item_matches_sibling_layout():
    doc = Document(SAMPLE)
    doc.add_item(doc.find("objs"), {"name": "B"})
    assert '    {\n      "name": "B"\n    },\n    {\n      "name": "A"' in doc.text
    doc.remove_item(doc.find("objs"), 0)
    assert doc.text == SAMPLE


def test_add_item_to_inline_array_stays_inline():
    doc = Document(SAMPLE)
    doc.add_item(doc.find("inline"), "r")
    assert '"inline": ["p", "q", "r"],' in doc.text
    doc.remove_item(doc.find("inline"), 2)
    assert doc.text == SAMPLE


def test_add_item_to_empty_array():
    doc = Document(SAMPLE)
    doc.add_item(doc.find("empty"), "e")
    assert json.loads(doc.text)["empty"] == ["e"]
    doc.remove_item(doc.find("empty"), 0)
    assert doc.text == SAMPLE


def test_insert_member_sorted_and_remove():
    doc = Document(SAMPLE)
    doc.insert_member(doc.find("obj"), "k2", "v", sorted_position=True)
    assert list(doc.value["obj"]) == ["k1", "k2", "k3"]
    assert '    "k2": "v",\n' in doc.text
    doc.remove_member(doc.find("obj"), "k2")
    assert doc.text == SAMPLE


def test_insert_member_keeps_spaced_colon_style():
    text = '{\n  "a" : 1,\n  "c" : 3\n}\n'
    doc = Document(text)
    doc.insert_member(doc.root, "b", 2, sorted_position=True)
    assert doc.text == '{\n  "a" : 1,\n  "b" : 2,\n  "c" : 3\n}\n'


def test_insert_existing_member_is_an_error():
    doc = Document(SAMPLE)
    with pytest.raises(JsonEditError):
        doc.insert_member(doc.find("obj"), "k1", 1, sorted_position=False)


def test_detect_indent_and_dumps_like():
    four = json.dumps({"a": [1, {"b": 2}]}, indent=4) + "\n"
    assert detect_indent(four) == "    "
    assert detect_indent('{\n\t"a": 1\n}') == "\t"
    assert dumps_like(json.loads(four), four) == four
    two_no_newline = json.dumps({"z": 1, "a": 2}, indent=2)
    assert dumps_like(json.loads(two_no_newline), two_no_newline) == two_no_newline


def test_crlf_files_stay_crlf():
    text = SAMPLE.replace("\n", "\r\n")
    doc = Document(text)
    doc.add_item(doc.find("objs"), {"name": "B"})
    doc.insert_member(doc.find("obj"), "k2", {"x": 1}, sorted_position=True)
    assert "\n" not in doc.text.replace("\r\n", "")
    assert doc.value["objs"][0] == {"name": "B"} and doc.value["obj"]["k2"] == {"x": 1}
    doc.remove_member(doc.find("obj"), "k2")
    doc.remove_item(doc.find("objs"), 0)
    assert doc.text == text


@pytest.mark.parametrize("kv_sep", [" : ", ":", " :  "])
def test_a_new_value_quoting_a_key_separator_is_kept_verbatim(kv_sep):
    """The file's own key separator is used for the new member's keys, and only there: a
    string value holding `": ` (escaped as `\\": ` in JSON) stays as it was."""
    text = f'{{\n  "a"{kv_sep}1,\n  "b"{kv_sep}{{\n    "x"{kv_sep}1\n  }}\n}}\n'
    value = {"msg": 'say "hi": now', "nested": {"k": 'a": b'}, "list": ['"x": 1']}
    doc = Document(text)
    doc.insert_member(doc.root, "c", value, sorted_position=True)
    assert doc.value["c"] == value
    assert f'    "msg"{kv_sep}"say \\"hi\\": now",\n' in doc.text
    assert f'"nested"{kv_sep}{{\n      "k"{kv_sep}"a\\": b"\n    }}' in doc.text
    doc.remove_member(doc.root, "c")
    assert doc.text == text
