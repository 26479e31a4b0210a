"""The data model of the engine: a step is plain typed data the runner, --dry-run,
--explain and `connkit graph` all read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from connkit.engine.project import Project

#: Variables every command sees without their values entering a key: they locate tools and
#: homes rather than change what a step produces (tool versions are keyed separately).
DEFAULT_PASS_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "SHELL",
    "VIRTUAL_ENV",
    "JAVA_HOME",
    "MAVEN_OPTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "PIP_CERT",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "DOCKER_HOST",
    "UV_CACHE_DIR",
)


class StepFailed(Exception):
    """Raised inside an action (or by ``StepContext.run``) to fail the step with a message."""


@dataclass(frozen=True)
class Step:
    """One unit of work with everything that decides its result declared up front."""

    id: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    command: tuple[str, ...] | None = None
    cwd: str = "."
    action: Callable[[StepContext], None] | None = field(default=None, compare=False)
    action_version: str = ""
    deps: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    pass_env: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()  # variables whose values never reach a log (see mask.py)
    set_env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tools: tuple[tuple[str, ...], ...] = ()
    description: str = ""
    cacheable: bool = True

    def __post_init__(self) -> None:
        if (self.command is None) == (self.action is None):
            raise ValueError(f"step {self.id!r} needs exactly one of command= or action=")
        for name in ("inputs", "outputs", "deps", "env", "pass_env", "secrets"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"step {self.id!r}: {name} must be a tuple, not a string")
        if self.command is not None and isinstance(self.command, str):
            raise TypeError(f"step {self.id!r}: command is an argv tuple, not a string")
        object.__setattr__(self, "set_env", MappingProxyType(dict(self.set_env)))

    @property
    def runs(self) -> str:
        """What the step executes, for keys and for people."""
        if self.command is not None:
            return " ".join(self.command)
        assert self.action is not None
        name = getattr(self.action, "__qualname__", repr(self.action))
        module = getattr(self.action, "__module__", "")
        return f"{module}.{name}@{self.action_version or '0'}"


@dataclass
class StepContext:
    """What an action gets: the project, the step's environment and its log."""

    project: Project
    step: Step
    env: dict[str, str]
    log: Callable[[str], None]
    run: Callable[..., None]
