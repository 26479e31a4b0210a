"""Input globs: what a pattern names, the walker that expands patterns, and the one matcher
both it and `ci.matrix` use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connkit.engine import globs
from connkit.engine.globs import Scanner, base_of, expand

FILES = (
    "src/x.py",
    "src/m.pyc",
    "src/a/x.py",
    "src/a/.dot.py",
    "src/a/gen/g.py",
    "src/a/gen/deep/d.py",
    "src/a/generated.py",
    "src/b/y.py",
    "src/b/y.txt",
    "src/c/z.py",
    "src/__pycache__/c.py",
    "src/{lit}/brace.py",
    ".env",
    ".hidden/h.py",
    ".git/HEAD",
    "sub/.git",  # a worktree's .git is a file
    "docs/index.md",
    "docs/api/ref.md",
    "café/é.py",
)

#: Pattern lists over FILES; each is checked against the walker and the path-only matcher.
PATTERNS = [
    ("src/**/*.py", "!src/a/gen"),
    ("src", "!src/a/gen/"),
    ("src/**", "!src/a"),
    ("**/*.md", "!docs/api"),
    ("src/{a,b}/*.py",),
    ("src/{a,b/}*.py",),
    ("{src/b,docs}",),
    ("src/*.{py,txt}", "src/b/*.{py,txt}"),
    ("src/\\{lit}/*.py",),
    ("src/**/*.py", "!src/{a,c}"),
    ("*",),
    ("**",),
    ("**/*.py",),
    ("src/a/*",),
    ("src/*/*.py",),
    ("src/?/*.py",),
    ("src/[ab]/*.py",),
    ("src/[!a]/*.py",),
    ("src/**/gen/**",),
    ("src/**/d.py",),
    ("src/a/gen/deep/d.py",),
    ("src/a/gen",),
    ("src/a/gen*",),
    ("src/**/*.py", "!src/a/gen*"),
    ("src/**/*.py", "!**/gen/**"),
    ("!src/a",),
    (".git/HEAD",),
    (".git",),
    ("src/m.pyc",),
    ("src/__pycache__/c.py",),
    ("sub/.git",),
    ("**/.git",),
    (".",),
    ("",),
    ("./src/b",),
    ("/src/b/",),
    ("café",),
    ("caf?/*.py",),
    ("nonexistent", "nonexistent/**/*.py"),
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in FILES:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    return tmp_path


def every_file(root: Path) -> list[str]:
    """Every regular file below root, excluded or not, as the matcher sees paths."""
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            found.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(found)


def test_a_negated_folder_excludes_everything_below_it(tree):
    assert expand(tree, ["src/**/*.py", "!src/a/gen"]) == [
        "src/a/.dot.py",
        "src/a/generated.py",
        "src/a/x.py",
        "src/b/y.py",
        "src/c/z.py",
        "src/x.py",
        "src/{lit}/brace.py",
    ]
    assert expand(tree, ["src", "!src/a/gen/"]) == expand(tree, ["src", "!src/a/gen/**"])
    assert expand(tree, ["src/**", "!src/a"]) == [
        "src/b/y.py",
        "src/b/y.txt",
        "src/c/z.py",
        "src/x.py",
        "src/{lit}/brace.py",
    ]


def test_braces_expand_into_alternatives(tree):
    assert expand(tree, ["src/{a,b}/*.py"]) == [
        "src/a/.dot.py",
        "src/a/generated.py",
        "src/a/x.py",
        "src/b/y.py",
    ]
    assert expand(tree, ["src/*.{py,txt}", "src/b/*.{py,txt}"]) == ["src/b/y.py", "src/b/y.txt", "src/x.py"]
    # each alternative is a pattern of its own: a literal folder names everything below it
    assert expand(tree, ["{src/b,docs}"]) == ["docs/api/ref.md", "docs/index.md", "src/b/y.py", "src/b/y.txt"]
    assert expand(tree, ["src/**/*.py", "!src/{a,c}"]) == ["src/b/y.py", "src/x.py", "src/{lit}/brace.py"]
    # an escaped brace is a character
    assert expand(tree, ["src/\\{lit}/*.py"]) == ["src/{lit}/brace.py"]


def test_star_and_globstar_match_dotfiles(tree):
    """As before wcmatch: `*` and `**` do not skip names starting with a dot."""
    assert expand(tree, ["*"]) == [".env"]
    assert expand(tree, ["src/a/*"]) == ["src/a/.dot.py", "src/a/generated.py", "src/a/x.py"]
    assert ".hidden/h.py" in expand(tree, ["**/*.py"])


def test_caches_and_tool_droppings_are_never_inputs(tree):
    assert expand(tree, [".git/HEAD"]) == []
    assert expand(tree, [".git"]) == []
    assert expand(tree, ["src/m.pyc"]) == []
    assert expand(tree, ["src/__pycache__/c.py"]) == []
    assert expand(tree, ["sub/.git"]) == ["sub/.git"]  # a file named .git is not the folder


def test_dot_and_empty_name_the_whole_workspace(tree):
    whole = expand(tree, ["**"])
    assert expand(tree, ["."]) == whole
    assert expand(tree, [""]) == whole
    assert expand(tree, ["./src/b"]) == ["src/b/y.py", "src/b/y.txt"]


@pytest.mark.parametrize("patterns", PATTERNS, ids=" ".join)
def test_walker_and_path_matcher_agree(tree, patterns):
    """The walker lists exactly the existing files the path-only matcher accepts."""
    assert expand(tree, patterns) == [p for p in every_file(tree) if globs.matches(patterns, p)]


def test_base_of_stops_at_braces():
    assert base_of("src/{a,b}/*.py") == "src"
    assert base_of("src/{a,b/c}/x.py") == "src"
    assert base_of("!docs/api") == "docs/api"
    assert base_of("src/**/*.py") == "src"


def test_a_write_under_a_brace_alternative_invalidates_its_digests(tree):
    from connkit.engine.keys import InputDigests, StatMemo

    digests = InputDigests(tree, StatMemo(None), Scanner(tree))
    patterns = ("src/{a,b}/*.py",)
    assert "src/a/new.py" not in digests.of(patterns)[0]
    (tree / "src/a/new.py").write_text("new")
    digests.invalidate(["src/a"])
    assert "src/a/new.py" in digests.of(patterns)[0]


# The matcher answers from memoized halves of a path; it must give wcmatch's own answer.
SHAPES = [
    "src/**/*.py",
    "**/*.py",
    "**/.git",
    "*.py",
    "src/**/gen",
    "src/*/*.py",
    "src/?/*.py",
    "src/[!a]/*.py",
    "src/a/*",
    "*",
    "**",
    "src/**",
    "src/*/**",
    "src/**/gen/**",
    "src/**/gen/*.py",
    "src/*/**/d.py",
    "src/a**b/*.py",
    "src/**/**/*.py",
    "**/**",
    "src/\\{lit}/*.py",
]
SEGMENTS = ["src", "a", "gen", "deep", "*", "?", "**", "*.py", "g*", ".*", "[ab]", "[!a]", "x?y", "a**"]
NAMES = ["src", "a", "b", "gen", "deep", "x.py", ".dot.py", "g.py", "xzy", "generated.py", ".hidden", "{lit}"]


def sample_paths(count: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 5))) for _ in range(count)]


def sample_patterns(count: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(1, 4))) for _ in range(count)]


PATHS = sorted(
    {*FILES, "src", "src/a", "x.py", "src/pkg/mod.py", "src/agen/deep/x.py", "src/a/gen", "srcx/a.py"}
)


@pytest.mark.parametrize("pattern", [*SHAPES, *sample_patterns(300, seed=7)])
def test_compiled_patterns_agree_with_wcmatch(pattern):
    import re

    from wcmatch import glob as wcglob

    reference = re.compile("|".join(wcglob.translate(pattern, flags=globs.WCMATCH_FLAGS)[0]))
    literal = not wcglob.is_magic(pattern, flags=globs.WCMATCH_FLAGS)
    for path in [*PATHS, *sample_paths(200, seed=len(pattern))]:
        if globs.always_excluded(path):
            assert not globs.matches([pattern], path)
            continue
        expected = bool(reference.match(path)) or (literal and path.startswith(pattern + "/"))
        assert globs.matches([pattern], path) is expected, path
