"""invoke tasks for people working in this repository; the same collection as `connkit`."""

from connkit.cli import namespace as ns  # noqa: F401
