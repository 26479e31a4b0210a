"""The workspace's Python formatters as data: which tools, at which versions, run how.

One model serves ``connkit format`` (in the tree, on one connector's files) and scaffold (on
rendered text, before anything is written), so a fresh scaffold passes ``format --check``:
both run the same commands with the same tool versions.

Where the commands come from:

- a checkout's own recipe, the way a reviewer reads it: ``make -n py_format`` (``--check``:
  ``make -n py_format_check``) prints its commands with the variables expanded. The
  formatter lines (pycln, isort, black; ruff in newer releases) are kept, their path
  arguments narrowed to the connector's files; other lines are left out (pylint is a
  linter: it judges code, it does not rewrite it).
- where the recipe's only formatter is ruff, or there is no recipe (connkit's assembled
  workspaces): connkit's ruff pair, ``ruff check --fix-only`` + ``ruff format`` (``--check``:
  both with ``--diff``), as before.

Tool versions: an exact pin in ``ingestion/setup.py``; for a tool it leaves unpinned, the
``rev`` of ``.pre-commit-config.yaml`` unless that rev is known not to work here
(``UNUSABLE_REVS``); ruff unpinned: connkit's own ruff version, so scaffold needs no download.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from connkit.fsutil import read_text_or_empty
from connkit.openmetadata.makefile import RecipeError, has_rule, makefiles, recipe_lines
from connkit.openmetadata.workspace import GENERATED, SETUP_PY, SPEC_SCHEMA

#: The formatters connkit recognises in a recipe; anything else on a line is not formatting.
FORMATTERS = ("pycln", "isort", "black", "ruff")
APPLY_RECIPE = "py_format"
CHECK_RECIPE = "py_format_check"
#: Options of each formatter that take a value (``--opt VALUE``): the value is never a path to
#: narrow, even when it names a folder (``--extend-exclude ingestion/src/metadata/generated``).
VALUED_OPTIONS: Mapping[str, frozenset[str]] = {
    "black": frozenset(
        "-c --code -l --line-length -t --target-version --include --exclude --extend-exclude "
        "--force-exclude --stdin-filename -W --workers --required-version --config "
        "--python-cell-magics --enable-unstable-feature --line-ranges".split()
    ),
    "isort": frozenset(
        "--settings-path --settings-file --settings --sp -s --skip --extend-skip --sg --skip-glob "
        "--extend-skip-glob --profile -m --multi-line -l -w --line-length --line-width "
        "--wrap-length --src --src-path --virtual-env --conda-env --py --python-version -o "
        "--thirdparty -p --project --known-local-folder -b --builtin --extra-builtin --sd "
        "--section-default --filename --ext --extension --supported-extension --blocked-extension "
        "-a --add-import --rm --remove-import --lai --lines-after-imports --lbt "
        "--lines-between-types -i --indent -t --top --sort-order --treat-comment-as-code "
        "--formatter --config-root --fgw --force-grid-wrap".split()
    ),
    "pycln": frozenset("--config --skip-imports -i --include -e --exclude -ee --extend-exclude".split()),
    "ruff": frozenset(
        "--config --exclude --extend-exclude --select --ignore --extend-select --extend-ignore "
        "--per-file-ignores --extend-per-file-ignores --fixable --unfixable --extend-fixable "
        "--line-length --target-version --stdin-filename --output-format -o --output-file "
        "--cache-dir --dummy-variable-rgx --range".split()
    ),
}
#: Files whose content changes what a formatter does, looked for in every folder from the
#: workspace root down to each formatted file (isort and ruff read the nearest; black the root's).
CONFIG_NAMES = (
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    ".isort.cfg",
    ".editorconfig",
    "ruff.toml",
    ".ruff.toml",
    ".gitignore",
)
#: Pre-commit revs that do not install or run with today's registries (measured on the 1.1
#: checkout); the tool then gets the version the dev extra resolves, as ``make install_dev`` does.
UNUSABLE_REVS: Mapping[tuple[str, str], str] = {
    ("pycln", "1.2.4"): (
        "it needs pyyaml<6: on Python 3.10+ PyYAML 5.4.1 has no wheel and its sdist no longer "
        "builds; on 3.9 it installs but holds the whole ingestion environment at PyYAML 5.4.1"
    ),
}
RUFF_SOURCE = "connkit's ruff"
#: Where the narrowed paths go in a command's arguments.
PATHS = "\0paths"


@dataclass(frozen=True)
class Command:
    """One formatter invocation; ``args`` holds ``PATHS`` where the connector's files go."""

    tool: str
    args: tuple[str, ...]
    targets: tuple[str, ...] = (".",)  # ws-relative folders/files the recipe pointed it at

    def covers(self, rel: str) -> bool:
        return any(t == "." or rel == t or rel.startswith(t.rstrip("/") + "/") for t in self.targets)

    def argv(self, paths: Sequence[str]) -> list[str] | None:
        """The arguments for the paths this command covers; None when it covers none of them."""
        mine = [p for p in paths if self.covers(p)]
        if not mine:
            return None
        out: list[str] = []
        for arg in self.args:
            if arg == PATHS:
                out.extend(mine)
            else:
                out.append(arg)
        return out

    def text(self) -> str:
        return " ".join([self.tool, *("<paths>" if a == PATHS else shlex.quote(a) for a in self.args)])


@dataclass(frozen=True)
class Formatters:
    """What formatting a workspace's connector means here, in one mode (apply or check)."""

    source: str  # "make -n py_format_check" or "connkit's ruff"
    commands: tuple[Command, ...]
    requirements: tuple[str, ...]  # one per tool: "black==22.3.0", "isort==5.12.0", "pycln"
    why: tuple[str, ...] = ()  # how each version was chosen, for people
    error: str = ""  # the recipe could not be read: formatting fails with this
    recipe_files: tuple[str, ...] = field(default=())  # Makefiles the commands came from

    @property
    def tools(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.tool for c in self.commands))

    def digest_text(self) -> str:
        return "|".join([self.source, *(c.text() for c in self.commands), *self.requirements, self.error])

    def requirement(self, tool: str) -> str:
        return next((r for r in self.requirements if _req_name(r) == tool), tool)


# ---------------------------------------------------------------- reading the recipe


def parse_line(root: Path, line: str) -> Command | None:
    """A formatter command from one printed recipe line, its path arguments found; else None."""
    try:
        words = shlex.split(line, comments=False, posix=True)
    except ValueError:
        return None
    for i, word in enumerate(words):  # a simple command only: stop at the first operator
        if word in ("&&", "||", ";", "|") or word.startswith(("(", ">", "<")):
            words = words[:i]
            break
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words = words[1:]  # VAR=value prefixes
    if not words:
        return None
    program = os.path.basename(words[0])
    rest = words[1:]
    if program.startswith("python") and rest[:1] == ["-m"] and len(rest) > 1:
        program, rest = rest[1], rest[2:]
    if program not in FORMATTERS:
        return None
    return _narrowable(root, program, rest)


def _narrowable(root: Path, tool: str, words: list[str]) -> Command:
    valued = VALUED_OPTIONS.get(tool, frozenset())
    args: list[str] = []
    targets: list[str] = []
    expect_value = False
    subcommand = tool == "ruff"
    for word in words:
        if expect_value:
            args.append(word)
            expect_value = False
            continue
        if word.startswith("-") and word != "-":
            args.append(word)
            expect_value = "=" not in word and word in valued
            continue
        if subcommand and word in ("check", "format"):
            args.append(word)
            subcommand = False
            continue
        rel = _tree_path(root, word)
        if rel is None:
            args.append(word)
            continue
        if not targets:
            args.append(PATHS)
        targets.append(rel)
    if not targets:  # a recipe naming no path formats the working directory
        args.append(PATHS)
        targets.append(".")
    return Command(tool, tuple(args), tuple(targets))


def _tree_path(root: Path, word: str) -> str | None:
    """``word`` as a ws-relative path when it names a folder or Python file inside the tree."""
    path = Path(word) if os.path.isabs(word) else root / word
    if not (path.is_dir() or (path.suffix in (".py", ".pyi") and path.is_file())):
        return None
    rel = os.path.relpath(os.path.normpath(path), os.path.normpath(root))
    if rel == ".." or rel.startswith("../"):
        return None
    return Path(rel).as_posix()


# ---------------------------------------------------------------- versions


def setup_spec(root: Path, tool: str) -> str:
    """What ``ingestion/setup.py`` asks for ``tool`` (``black==22.3.0``), or the bare name."""
    text = read_text_or_empty(root / SETUP_PY)
    match = re.search(rf'["\']({re.escape(tool)}\s*(?:[=~<>!][^"\']*)?)["\']', text)
    return match.group(1).replace(" ", "") if match else tool


def precommit_revs(root: Path) -> dict[str, str]:
    """Hook id → the ``rev`` of its repo in ``.pre-commit-config.yaml`` (a leading ``v`` dropped)."""
    revs: dict[str, str] = {}
    rev = ""
    for line in read_text_or_empty(root / ".pre-commit-config.yaml").splitlines():
        stripped = line.strip()
        if stripped.startswith("- repo:"):
            rev = ""
        elif stripped.startswith("rev:"):
            rev = stripped.partition(":")[2].strip().strip("'\"")
            rev = rev[1:] if re.match(r"^v\d", rev) else rev
        elif stripped.startswith("- id:") and rev:
            revs.setdefault(stripped.partition(":")[2].strip().strip("'\""), rev)
    return revs


def own_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def choose_requirement(root: Path, tool: str, revs: Mapping[str, str]) -> tuple[str, str]:
    """The requirement a tool is installed (and run) with, and why."""
    spec = setup_spec(root, tool)
    specifier = _specifier(spec[len(tool) :])
    if spec.startswith(f"{tool}==") and "*" not in spec:
        return spec, f"{spec}: ingestion/setup.py pins it"
    rev = revs.get(tool)
    if rev and (tool, rev) in UNUSABLE_REVS:
        why = f"{spec}: .pre-commit-config.yaml's {rev} does not work here ({UNUSABLE_REVS[tool, rev]})"
        return spec, why
    if rev and _admits(specifier, rev):
        why = f"{tool}=={rev}: ingestion/setup.py leaves it open, .pre-commit-config.yaml pins it"
        return f"{tool}=={rev}", why
    mine = own_version(tool) if tool == "ruff" else None
    if mine and _admits(specifier, mine):
        return f"{tool}=={mine}", f"{tool}=={mine}: connkit's own ruff (ingestion/setup.py asks for {spec})"
    return spec, f"{spec}: as ingestion/setup.py asks"


def _specifier(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _admits(spec: SpecifierSet | None, version: str) -> bool:
    if spec is None:
        return False
    try:
        return spec.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def _req_name(requirement: str) -> str:
    return re.split(r"[=~<>!\[ ;]", requirement, maxsplit=1)[0]


# ---------------------------------------------------------------- the model


def ruff_commands(check: bool) -> tuple[Command, ...]:
    """connkit's ruff pair: lint fixes then layout; in check mode both report a diff."""
    if check:
        return (
            Command("ruff", ("check", "--fix", "--diff", PATHS)),
            Command("ruff", ("format", "--check", "--diff", PATHS)),
        )
    return (
        Command("ruff", ("check", "--fix-only", PATHS)),
        Command("ruff", ("format", PATHS)),
    )


_MEMO: dict[tuple, Formatters] = {}


def formatters(root: Path, check: bool) -> Formatters:
    """The commands ``connkit format`` runs here (``check``: report, change nothing).

    Remembered per process while the files it reads are unchanged (building the steps asks
    several times, and ``make -n`` is a process)."""
    files = [*makefiles(root), SETUP_PY.as_posix(), ".pre-commit-config.yaml"]
    memo_key = (str(root), check, tuple(_stamp(root / f) for f in files))
    found = _MEMO.get(memo_key)
    if found is None:
        found = _MEMO[memo_key] = _formatters(root, check)
    return found


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size)


def _formatters(root: Path, check: bool) -> Formatters:
    recipe = CHECK_RECIPE if check else APPLY_RECIPE
    files = tuple(makefiles(root))
    commands: tuple[Command, ...] = ()
    source = RUFF_SOURCE
    error = ""
    if has_rule(root, recipe):
        try:
            parsed = tuple(c for line in recipe_lines(root, recipe) if (c := parse_line(root, line)))
        except RecipeError as exc:
            parsed, error = (), str(exc)
        if error or any(c.tool != "ruff" for c in parsed):
            commands, source = parsed, f"make -n {recipe}"
    if not commands and not error:
        commands = ruff_commands(check)
    revs = precommit_revs(root)
    chosen = [choose_requirement(root, tool, revs) for tool in dict.fromkeys(c.tool for c in commands)]
    return Formatters(
        source=source,
        commands=commands,
        requirements=tuple(r for r, _ in chosen),
        why=tuple(w for _, w in chosen),
        error=error,
        recipe_files=files,
    )


def config_files(root: Path, model: Formatters, paths: Sequence[str]) -> list[str]:
    """ws-relative files whose content decides what the commands do to ``paths``."""
    found: dict[str, None] = dict.fromkeys(model.recipe_files)
    for rel in paths:
        parts = Path(rel).parts
        for depth in range(len(parts)):
            folder = Path(*parts[:depth]) if depth else Path()
            for name in CONFIG_NAMES:
                if (root / folder / name).is_file():
                    found[(folder / name).as_posix()] = None
    for command in model.commands:
        for arg in command.args:
            if arg != PATHS and not arg.startswith("-") and (root / arg).is_file():
                found[Path(os.path.normpath(arg)).as_posix()] = None
    return list(found)


# ---------------------------------------------------------------- formatting text (scaffold)

Runner = Callable[[str, str], list[str]]  # (tool, requirement) -> argv prefix


def runner_for(python: Path | None, uv: Sequence[str], uv_python: str | None) -> Runner:
    """How scaffold runs a tool: the workspace env's copy, connkit's own ruff when it is the
    version asked for, else ``uv tool run`` of exactly the requirement format will install."""

    def prefix(tool: str, requirement: str) -> list[str]:
        if python is not None and (python.parent / tool).is_file():
            return [str(python), "-m", tool]
        mine = own_version(tool) if tool == "ruff" else None
        if mine and requirement == f"ruff=={mine}":
            return [sys.executable, "-m", "ruff"]
        where = ["--python", uv_python] if uv_python else []
        return [*uv, "tool", "run", "--quiet", *where, "--from", requirement, tool]

    return prefix


def format_texts(root: Path, texts: Mapping[Path, str], run_tool: Runner) -> dict[Path, str]:
    """``texts`` (absolute target paths → content) after the workspace's apply commands.

    They run on a scratch copy that carries what the formatters read from the tree: every
    config file on the way down to each file, the entries of each of those folders and the
    generated models' layout (packages keep their ``__init__.py``, so isort tells first-party
    imports from third-party ones as it does in the tree after ``make generate``). Nothing is
    written into the workspace. Any failure leaves the texts as rendered (the scaffold's own
    checks report broken code).
    """
    model = formatters(root, check=False)
    rels = {path: Path(os.path.relpath(path, root)).as_posix() for path in texts}
    if model.error or not texts:
        return dict(texts)
    with tempfile.TemporaryDirectory(prefix="connkit-format-") as tmp:
        scratch = Path(tmp)
        _skeleton(root, scratch, rels.values(), config_files(root, model, list(rels.values())))
        for path, rel in rels.items():
            target = scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(texts[path], encoding="utf-8")
        env = {**os.environ, "PWD": str(scratch)}
        env.pop("VIRTUAL_ENV", None)
        for command in model.commands:
            argv = command.argv(sorted(rels.values()))
            if argv is None:
                continue
            full = [*run_tool(command.tool, model.requirement(command.tool)), *argv]
            try:
                proc = subprocess.run(
                    full, cwd=scratch, env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=300
                )
            except (OSError, subprocess.SubprocessError):
                return dict(texts)
            if proc.returncode != 0:
                return dict(texts)
        return {path: (scratch / rel).read_text(encoding="utf-8") for path, rel in rels.items()}


def _skeleton(root: Path, scratch: Path, rels, configs: Sequence[str]) -> None:
    (scratch / ".git").mkdir()  # black's project root, as the checkout's .git makes it
    folders: set[Path] = set()
    for rel in rels:
        parts = Path(rel).parts
        folders.update(Path(*parts[:d]) if d else Path() for d in range(len(parts)))
    for folder in sorted(folders):
        real = root / folder
        if not real.is_dir():
            continue
        with os.scandir(real) as entries:
            for entry in entries:
                if entry.name in (".git", ".connkit", "node_modules", "__pycache__"):
                    continue
                dest = scratch / folder / entry.name
                if entry.is_dir(follow_symlinks=False):
                    dest.mkdir(parents=True, exist_ok=True)
                    init = Path(entry.path) / "__init__.py"
                    if init.is_file():
                        shutil.copyfile(init, dest / "__init__.py")
                elif entry.name == "__init__.py":
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(entry.path, dest)
                elif entry.name.endswith((".py", ".pyi")) and entry.is_file():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.touch()  # a module's presence is what isort asks about
    for rel in configs:
        dest = scratch / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, dest)
    _generated_skeleton(root, scratch)


def _generated_skeleton(root: Path, scratch: Path) -> None:
    """The generated models' package layout, as after ``make generate``: a checkout's
    ``metadata`` is a pkgutil namespace package, so isort counts ``metadata.generated...``
    first-party only where those modules exist. Mirrored from the tree; where it has no
    models yet, laid out from the schemas (the generator writes ``schema/<path>.py`` for each)."""
    generated = root / GENERATED
    if generated.is_dir():
        for folder, dirs, files in os.walk(generated):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            dest = scratch / Path(folder).relative_to(root)
            dest.mkdir(parents=True, exist_ok=True)
            for name in files:
                if name == "__init__.py":
                    shutil.copyfile(Path(folder) / name, dest / name)
                elif name.endswith(".py"):
                    (dest / name).touch()
    schemas = root / SPEC_SCHEMA
    if (generated / "schema").is_dir() or not schemas.is_dir():
        return
    for schema in schemas.rglob("*.json"):
        dest = scratch / GENERATED / "schema" / schema.relative_to(schemas).with_suffix(".py")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.touch()
