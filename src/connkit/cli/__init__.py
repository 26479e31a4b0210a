"""The one task collection behind both `invoke` (tasks.py) and the `connkit` program."""

from invoke import Collection

from connkit.cli import ci, doctor, engine, quickstart, scaffold, stack, toolchain, workspace
from connkit.cli import register as _register
from connkit.cli import review as _review
from connkit.cli import validate as _validate
from connkit.cli import watch as _watch

namespace = Collection()
namespace.add_task(engine.run)
namespace.add_task(engine.graph)
namespace.add_task(engine.runs)
namespace.add_task(_watch.watch)
namespace.add_collection(engine.cache_collection)
namespace.add_collection(workspace.ns, name="workspace")
namespace.add_task(scaffold.scaffold)
namespace.add_task(_register.register)
namespace.add_task(_register.unregister)
namespace.add_task(_review.review)
namespace.add_collection(ci.ci_collection)
namespace.add_task(_validate.validate)
namespace.add_collection(stack.stack_collection)
namespace.add_task(toolchain.generate)
namespace.add_task(toolchain.format)
namespace.add_task(toolchain.test)
namespace.add_task(quickstart.quickstart)
namespace.add_task(doctor.doctor)
