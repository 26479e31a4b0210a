"""A workspace's Makefile recipes, read two ways: the rule as written, and as make would run it.

Releases keep their recipes in the root ``Makefile`` (1.1) or in files it includes (newer ones
include ``ingestion/Makefile``); connkit's assembled workspaces have a Makefile of their own.
Text is enough to ask whether a rule exists or what it calls; ``make -n`` gives the commands
with every variable expanded, as a reviewer reads them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from connkit.fsutil import read_text_or_empty


class RecipeError(Exception):
    """make could not print a recipe (make missing, a broken Makefile)."""


def makefiles(root: Path) -> list[str]:
    """The root Makefile and the files it includes, ws-relative, in reading order."""
    found: list[str] = []
    todo = ["Makefile"]
    while todo:
        rel = todo.pop(0)
        if rel in found or not (root / rel).is_file():
            continue
        found.append(rel)
        for match in re.finditer(r"^-?include\s+(.+)$", read_text_or_empty(root / rel), re.M):
            todo.extend(w for w in match.group(1).split() if "$" not in w)
    return found


def has_rule(root: Path, target: str) -> bool:
    start = _rule_start(target)
    return any(
        start.match(line) for rel in makefiles(root) for line in read_text_or_empty(root / rel).splitlines()
    )


def rule_lines(root: Path, target: str) -> list[str]:
    """The recipe of ``target`` as written (tab-indented lines, tabs and ``@-+`` stripped)."""
    start = _rule_start(target)
    for rel in makefiles(root):
        lines = read_text_or_empty(root / rel).splitlines()
        for i, line in enumerate(lines):
            if start.match(line):
                recipe = []
                for body in lines[i + 1 :]:
                    if body.startswith("\t"):
                        recipe.append(body[1:].lstrip("@-+ "))
                    elif body.strip() and not body.lstrip().startswith("#"):
                        break
                return recipe
    return []


def recipe_lines(root: Path, target: str) -> list[str]:
    """``make -n TARGET`` from the root, with ``PWD`` the root (recipes use ``${PWD}``)."""
    make = shutil.which("make")
    if make is None:
        raise RecipeError("`make` is not installed (Debian: apt-get install make)")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["PWD"] = str(root)
    try:
        proc = subprocess.run(
            [make, "-n", "--no-print-directory", target],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RecipeError(f"`make -n {target}` could not run: {exc}") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RecipeError(f"`make -n {target}` failed: {last}")
    return [line for line in proc.stdout.splitlines() if line.strip()]


def calls_make(line: str) -> list[str]:
    """The targets a recipe line hands to a recursive ``$(MAKE)``, flags and assignments left out."""
    match = re.match(r"^\$[({]MAKE[)}]\s+(.*)$", line.strip())
    if not match:
        return []
    return [w for w in match.group(1).split() if not w.startswith("-") and "=" not in w]


def _rule_start(target: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(target)}\s*:(?!=)")
