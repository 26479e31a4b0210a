"""``--api-endpoints`` entries and the client method each one becomes.

An entry is ``METHOD /path`` or ``/path`` (GET), as OpenMetadata's guide writes them
("GET /api/dashboards/uid/:uid"); path parameters are ``:name`` segments or ``{name}``
placeholders, and a fixed query string (``/api/search?type=dash-db``) is kept. A GET without
path parameters is a list endpoint (the client pages through it); any other entry becomes a
method that takes the path parameters as arguments. Method names are derived from the path and
are always valid, unique Python identifiers.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

from connkit.errors import UsageError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

_SEGMENT_CHARS = re.compile(r"^[A-Za-z0-9._~:@!$&'()*+,;=%{}-]*$")
_QUERY_CHARS = re.compile(r"^[A-Za-z0-9._~:@!$&'()*+,;=%/?-]*$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_BRACED = re.compile(r"\{([^{}]*)\}")
# Path segments that say nothing about what an endpoint serves.
_NOISE = re.compile(r"^(api|rest|v?\d+(\.\d+)*)$", re.IGNORECASE)
# Attributes of the scaffolded client and locals of its methods an endpoint must not shadow.
CLIENT_NAMES = frozenset(
    {"close", "sdk", "get_json", "send", "paginate", "check_access", "session", "config", "base_url", "path"}
)
_ARGUMENT_NAMES = frozenset({"self", "limit", "body", "params"})


@dataclass(frozen=True)
class Endpoint:
    """One API endpoint and the client method that calls it."""

    given: str  # the entry as the author wrote it: "GET /api/dashboards/uid/:uid"
    verb: str  # "GET"
    template: str  # the path with str.format placeholders: "/api/dashboards/uid/{uid}"
    params: tuple[str, ...] = ()  # the method's arguments, snake_case, in path order
    query: tuple[tuple[str, str], ...] = ()  # fixed query parameters of the entry
    method: str = ""  # the client method: "get_dashboards_by_uid"
    words: tuple[str, ...] = ()  # what the method name is made of (before uniqueness suffixes)

    @property
    def lists(self) -> bool:
        """A GET without path parameters: the client pages through it."""
        return self.verb == "GET" and not self.params

    @property
    def path(self) -> str:
        return self.given.split(None, 1)[-1]

    @property
    def signature(self) -> str:
        """The method's arguments after ``self``, as the template writes them."""
        args = [f"{p}: str" for p in self.params]
        if self.lists:
            args.append("limit: int | None = None")
        elif self.verb != "GET" and self.verb != "DELETE":
            args.append("body: Any = None")
        return ", ".join(args)


def parse(entry: str) -> Endpoint:
    """``METHOD /path`` or ``/path`` → an Endpoint (no method name yet); UsageError otherwise."""
    text = " ".join(entry.split())
    parts = text.split(" ")
    if len(parts) > 2 or (len(parts) == 2 and parts[0].startswith("/")):
        raise UsageError(
            f"--api-endpoints {entry!r} is not a URL path (it has a space); give METHOD /path or /path, "
            "e.g. GET /api/v1/items"
        )
    if len(parts) == 2:
        verb, path = parts[0].upper(), parts[1]
        if verb not in METHODS:
            raise UsageError(
                f"--api-endpoints {entry!r}: unknown HTTP method {parts[0]!r}; use one of "
                f"{', '.join(METHODS)} before the path, e.g. GET /api/v1/items"
            )
    elif len(parts) == 1 and parts[0]:
        verb, path = "GET", parts[0]
    else:
        raise UsageError(
            f"--api-endpoints {entry!r} is not a URL path; give METHOD /path or /path, e.g. GET /api/v1/items"
        )
    if not path.startswith("/"):
        raise UsageError(
            f"--api-endpoints {entry!r} is not a URL path; paths start with /, e.g. GET /api/v1/items"
        )
    raw_path, _, raw_query = path.partition("?")
    if not _QUERY_CHARS.match(raw_query):
        raise UsageError(
            f"--api-endpoints {entry!r} is not a URL path; its query string has spaces or quotes"
        )
    template_parts: list[str] = []
    params: list[str] = []
    words: list[str] = []
    literals: list[str] = []
    segments = raw_path.split("/")[1:]
    for index, segment in enumerate(segments):
        if not _SEGMENT_CHARS.match(segment):
            raise UsageError(
                f"--api-endpoints {entry!r} is not a URL path; use letters, digits and -._~ in its segments"
            )
        if segment.startswith(":"):
            name = _argument(entry, segment[1:], params)
            params.append(name)
            template_parts.append("{" + name + "}")
            if index == len(segments) - 1:
                if literals and _fold(literals[-1]) == _fold(segment[1:]) and words:
                    words = words[: len(words) - len(_words(literals[-1]))]
                words += ["by", *name.split("_")]
            continue
        pieces: list[str] = []
        last = 0
        found = False
        for match in _BRACED.finditer(segment):
            found = True
            literal = segment[last : match.start()]
            _no_stray_braces(entry, literal)
            pieces.append(literal)
            name = _argument(entry, match.group(1), params)
            params.append(name)
            pieces.append("{" + name + "}")
            last = match.end()
        _no_stray_braces(entry, segment[last:])
        pieces.append(segment[last:])
        template_parts.append("".join(pieces))
        literal_text = _BRACED.sub(" ", segment)
        if found and index == len(segments) - 1 and not literal_text.strip():
            if literals and _fold(literals[-1]) == _fold(params[-1]) and words:
                words = words[: len(words) - len(_words(literals[-1]))]
            words += ["by", *params[-1].split("_")]
            continue
        if literal_text.strip() and not _NOISE.match(literal_text.strip()):
            literals.append(literal_text)
            words += _words(literal_text)
    if not words:
        words = [w for s in segments if not s.startswith(":") for w in _words(_BRACED.sub(" ", s))]
    template = "/" + "/".join(template_parts)
    query = tuple(parse_qsl(raw_query, keep_blank_values=True))
    return Endpoint(
        given=f"{verb} {path}" if len(parts) == 2 else path,
        verb=verb,
        template=template,
        params=tuple(params),
        query=query,
        words=tuple(words or ["root"]),
    )


def name_methods(endpoints: list[Endpoint]) -> tuple[Endpoint, ...]:
    """Drop repeats (same method, path and query) and give each endpoint a unique method name."""
    used = set(CLIENT_NAMES)
    out: list[Endpoint] = []
    seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    for endpoint in endpoints:
        key = (endpoint.verb, _BRACED.sub("{}", endpoint.template), endpoint.query)
        if key in seen:
            continue
        seen.add(key)
        prefix = "list" if endpoint.lists else ("get" if endpoint.verb == "GET" else endpoint.verb.lower())
        base = re.sub(r"_+", "_", "_".join((prefix, *endpoint.words))).strip("_")
        candidate, n = base, 2
        while candidate in used or keyword.iskeyword(candidate) or not candidate.isidentifier():
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        out.append(replace(endpoint, method=candidate))
    return tuple(out)


def _argument(entry: str, raw: str, taken: list[str]) -> str:
    """A path parameter's name as a Python argument: snake_case, not a keyword, unique."""
    if not _PARAM_NAME.match(raw):
        raise UsageError(
            f"--api-endpoints {entry!r}: path parameter {raw!r} needs a name of letters, digits and _, "
            "e.g. :uid or {uid}"
        )
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", raw).replace("-", "_").lower()
    name = re.sub(r"_+", "_", name).strip("_") or "param"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _ARGUMENT_NAMES:
        name += "_"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _no_stray_braces(entry: str, literal: str) -> None:
    if "{" in literal or "}" in literal:
        raise UsageError(
            f"--api-endpoints {entry!r} is not a URL path; braces must enclose a parameter name, e.g. {{uid}}"
        )


def _words(text: str) -> list[str]:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower()
    return [w for w in re.split(r"[^a-z0-9]+", snake) if w]


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())
