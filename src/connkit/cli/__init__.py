"""The task collection that both ``tasks.py`` (invoke) and the ``connkit`` script serve."""

from invoke import Collection

from connkit.cli import register as _register
from connkit.cli import review as _review

namespace = Collection()
namespace.add_task(_register.register)
namespace.add_task(_register.unregister)
namespace.add_task(_review.review)
