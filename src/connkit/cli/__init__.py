"""The one task collection behind both `invoke` (tasks.py) and the `connkit` program."""

from invoke import Collection

from connkit.cli import engine, toolchain

namespace = Collection()
namespace.add_task(engine.run)
namespace.add_task(engine.graph)
namespace.add_collection(engine.cache_collection)
namespace.add_task(toolchain.generate)
namespace.add_task(toolchain.format)
namespace.add_task(toolchain.test)
