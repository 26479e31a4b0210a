"""Secrets never reach a log: the values of a step's secret variables are masked as ``***``
in what it prints, in the stored log that hits replay and in ``.connkit/logs``, the way CI
systems mask theirs.

A variable is secret when the step declares it (``secrets``) or its name says so
(``*TOKEN*``, ``*PASSWORD*``, ``*SECRET*``, any case).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

SECRET_NAMES = ("*TOKEN*", "*PASSWORD*", "*SECRET*")
MASK = "***"
#: Shorter values would mask ordinary words and digits all over a log.
MIN_LENGTH = 4


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in SECRET_NAMES)


def secret_values(env: Mapping[str, str], declared: Iterable[str] = ()) -> list[str]:
    """The values to hide, longest first (so a value containing another is masked whole)."""
    names = set(declared)
    values = {v for k, v in env.items() if (k in names or is_secret_name(k)) and len(v) >= MIN_LENGTH}
    return sorted(values, key=len, reverse=True)


def masker(values: list[str]):
    """A function masking ``values`` in a line of text (the identity when there are none)."""
    if not values:
        return lambda text: text

    def mask(text: str) -> str:
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    return mask
