"""The one task collection behind both `invoke` (tasks.py) and the `connkit` program."""

from invoke import Collection

from connkit.cli import engine, toolchain, workspace
from connkit.cli import register as _register
from connkit.cli import review as _review

namespace = Collection()
namespace.add_task(engine.run)
namespace.add_task(engine.graph)
namespace.add_collection(engine.cache_collection)
namespace.add_collection(workspace.ns, name="workspace")
namespace.add_task(_register.register)
namespace.add_task(_register.unregister)
namespace.add_task(_review.review)
namespace.add_task(toolchain.generate)
namespace.add_task(toolchain.format)
namespace.add_task(toolchain.test)
