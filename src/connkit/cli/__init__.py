"""The task collection behind both ``invoke`` (tasks.py) and the ``connkit`` console script."""

from invoke import Collection

from connkit.cli import workspace

namespace = Collection()
namespace.add_collection(workspace.ns, name="workspace")
