"""Pictures group steps by connector: a step whose id ends in a connector's name is its."""

from __future__ import annotations

from connkit.engine.step import Step
from connkit.openmetadata.steps.catalog import connector_group
from connkit.openmetadata.workspace import INGESTION_SOURCE


def test_steps_are_grouped_by_the_connector_their_id_ends_in(make_workspace):
    ws = make_workspace(connectors=(("dashboard", "myDb", "MyDb"), ("database", "acme", "Acme")))
    for service_type, name in (("dashboard", "my_db"), ("database", "acme")):
        (ws.root / INGESTION_SOURCE / service_type / name).mkdir(parents=True)
    group = connector_group(ws)

    def of(step_id: str) -> str | None:
        return group(Step(id=step_id, command=("true",)))

    assert of("format.python.my_db") == "my_db" and of("test.acme") == "acme"
    assert of("validate.review.acme") == "acme"
    assert of("generate.python") is None and of("acme") is None and of("test.acme_extra") is None
