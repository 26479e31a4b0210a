"""The pre-PR checklist for one connector, as steps of the cached graph.

Each checklist item is proved by one step: the toolchain's own steps (generate, format, test)
where they exist, and small action steps here for what is checked by reading files (review
rules, registration). An item whose step this workspace cannot have is reported as not
available, never as passed. A second validate with nothing changed is all cache hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connkit import __version__
from connkit.engine.options import RunOptions
from connkit.engine.results import Plan, PlanEntry, RunResult
from connkit.engine.step import Step, StepContext, StepFailed
from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.workspace import SPEC_SCHEMA, Workspace, workspace_of

#: Bump when what an item checks changes, so cached passes are not trusted across it.
ACTION_VERSION = f"{__version__}+validate.1"


@dataclass(frozen=True)
class Item:
    """One line of the checklist and the step that proves it (None: not available here)."""

    label: str
    step_id: str | None
    why_unavailable: str = ""


@dataclass(frozen=True)
class ReviewItem:
    key: str
    label: str
    rules: tuple[str, ...]


#: Checklist items proved by review rules: each fails on a BLOCKER and logs its warnings.
REVIEW_ITEMS = (
    ReviewItem(
        "schema",
        "schema valid and every $ref resolves",
        (
            "schema/parse",
            "schema/ref-resolves",
            "schema/id",
            "schema/java-type",
            "schema/type-enum",
            "schema/additional-properties",
            "schema/auth-required",
            "schema/ssl-config",
        ),
    ),
    ReviewItem(
        "test-steps",
        "test-connection steps match the definition",
        ("schema/test-connection", "schema/test-steps-match", "connection/meaningful-test-steps"),
    ),
    ReviewItem("errors", "no swallowed exceptions", ("connection/swallowed-except", "quality/syntax")),
    ReviewItem("base-class", "source extends the service type's base class", ("source/base-class",)),
    ReviewItem("pagination", "list methods paginate", ("source/pagination", "source/session-reuse")),
    ReviewItem("reads", "no unbounded reads", ("memory/unbounded-read", "memory/fetchall")),
    ReviewItem(
        "cleanup",
        "large objects cleaned up, caches bounded",
        ("memory/large-object-cleanup", "memory/unbounded-cache"),
    ),
    ReviewItem(
        "tests",
        "unit tests have real assertions",
        ("tests/missing", "tests/no-assertions", "tests/empty-test", "tests/pytest-style"),
    ),
)


def connector_inputs(ws: Workspace, conn: Connector) -> tuple[str, ...]:
    """Every file a connector's checks read: its own files plus the spec they refer into."""
    name, stype = conn.name, conn.service_type
    return (
        f"{SPEC_SCHEMA.as_posix()}/**/*.json",
        conn.test_connection,
        conn.package,
        f"ingestion/tests/unit/topology/{stype}/test_{name}.py",
        f"ingestion/tests/integration/connections/test_{name}_connection.py",
        f"ingestion/tests/integration/{name}/**/*.py",
        "openmetadata-ui/src/main/resources/ui/src/utils/*ServiceUtils.ts*",
        "openmetadata-ui/src/main/resources/ui/src/locale/languages/en-us.json",
        "ingestion/setup.py",
    )


def _review_action(name: str, service_type: str, item: ReviewItem):
    def check(ctx: StepContext) -> None:
        from connkit.openmetadata.review import review

        result = review(workspace_of(ctx), name, service_type, rules=item.rules)
        for finding in result.findings:
            ctx.log(
                f"{finding.severity.value}: {finding.path}:{finding.line} {finding.message} "
                f"[{finding.rule_id}] fix: {finding.fix}"
            )
        if result.blockers:
            first = result.blockers[0]
            raise StepFailed(
                f"{len(result.blockers)} blocker(s), first: {first.path}:{first.line} {first.message}"
            )
        ctx.log(f"{item.label}: ok ({len(result.findings)} warning(s) or suggestion(s))")

    check.__qualname__ = f"review[{item.key}]"
    return check


def _registration_action(name: str, service_type: str):
    def check(ctx: StepContext) -> None:
        from connkit.openmetadata.register import register

        report = register(workspace_of(ctx), name, service_type, check=True)
        ctx.log(report.render())
        if report.missing:
            raise StepFailed(
                f"{len(report.missing)} registration(s) missing, e.g. {report.missing[0]}: "
                f"run `connkit register --name {name}`"
            )

    check.__qualname__ = "registration"
    return check


def validate_steps(ws: Workspace, conn: Connector) -> list[Step]:
    """The checks this module owns for one connector (ids end in the connector's name)."""
    name, stype = conn.name, conn.service_type
    inputs = connector_inputs(ws, conn)
    steps = [
        Step(
            id=f"validate.{item.key}.{name}",
            action=_review_action(name, stype, item),
            action_version=ACTION_VERSION,
            inputs=inputs,
            description=item.label,
        )
        for item in REVIEW_ITEMS
    ]
    steps.append(
        Step(
            id=f"validate.registration.{name}",
            action=_registration_action(name, stype),
            action_version=ACTION_VERSION,
            inputs=inputs,
            description="registration complete",
        )
    )
    return steps


def checklist(ws: Workspace, conn: Connector, known: Sequence[str]) -> list[Item]:
    """Every checklist line, mapped to the step that proves it where the graph has one."""
    name = conn.name
    have = set(known)

    def item(label: str, step_id: str, why: str) -> Item:
        return Item(label, step_id if step_id in have else None, "" if step_id in have else why)

    by_key = {i.key: i for i in REVIEW_ITEMS}
    lines = [
        Item(by_key["schema"].label, f"validate.schema.{name}"),
        item("Python models generate", "generate.python", "no generate.python step in this workspace"),
        item("Java models generate", "generate.java", "no generate.java step in this workspace"),
        item("UI schemas parse", "generate.ui", "no generate.ui step in this workspace"),
        Item(by_key["test-steps"].label, f"validate.test-steps.{name}"),
        Item(by_key["errors"].label, f"validate.errors.{name}"),
        Item(by_key["base-class"].label, f"validate.base-class.{name}"),
        item(
            "unit tests pass against the real framework (the scaffolded ones build the client, "
            "check create() rejects another type and, on 2.x, find the ServiceSpec)",
            f"test.{name}",
            "no unit tests for this connector (ingestion/tests/unit/topology/<type>/test_<name>.py)",
        ),
        Item(by_key["tests"].label, f"validate.tests.{name}"),
        Item(by_key["pagination"].label, f"validate.pagination.{name}"),
        Item(by_key["reads"].label, f"validate.reads.{name}"),
        Item(by_key["cleanup"].label, f"validate.cleanup.{name}"),
        item(
            "formatters produce no change",
            f"format.python.{name}",
            "no format step for this connector (needs ingestion/setup.py)",
        ),
        Item("registration complete", f"validate.registration.{name}"),
    ]
    return lines


@dataclass(frozen=True)
class Outcome:
    label: str
    step_id: str | None
    state: str  # passed | failed | skipped | not available
    detail: str = ""


def outcomes(items: Sequence[Item], result: RunResult | Plan | None) -> list[Outcome]:
    """Each item's state; in a dry run, whether its step would hit the cache (hit or miss)."""
    found = result.by_id() if result is not None else {}
    out = []
    for it in items:
        if it.step_id is None:
            out.append(Outcome(it.label, None, "not available", it.why_unavailable))
            continue
        step = found.get(it.step_id)
        if step is None:
            out.append(Outcome(it.label, it.step_id, "not run"))
        elif isinstance(step, PlanEntry):
            out.append(Outcome(it.label, it.step_id, step.cache))
        elif step.status.succeeded:
            out.append(Outcome(it.label, it.step_id, "passed", step.status.value))
        else:
            out.append(Outcome(it.label, it.step_id, step.status.value, step.message))
    return out


def graph_for(ws: Workspace, name: str, all_steps: Sequence[Step]) -> list[Step]:
    """The workspace's steps with formatting in check mode: validate never rewrites files."""
    from connkit.errors import UsageError
    from connkit.openmetadata.steps.toolchain import toolchain_steps

    try:
        found = toolchain_steps(ws, check=True, names=[name])
    except UsageError:  # no ingestion package: nothing to format, the item says so
        found = []
    checks = {s.id: s for s in found if s.id.startswith("format.")}
    return [checks.get(s.id, s) for s in all_steps] + [
        s for s in checks.values() if s.id not in {a.id for a in all_steps}
    ]


def steps(ws: Workspace) -> list[Step]:
    """Catalog provider: the validate checks of every connector in the workspace."""
    from connkit.openmetadata.connectors import find_connectors

    return [step for c in find_connectors(ws) for step in validate_steps(ws, c)]


@dataclass
class Report:
    """One connector's checklist after a validate run."""

    name: str
    service_type: str
    outcomes: list[Outcome]
    run: RunResult | Plan

    @property
    def ok(self) -> bool:
        if isinstance(self.run, Plan):
            return True
        return self.run.ok and all(o.state in ("passed", "not available") for o in self.outcomes)

    def as_dict(self) -> dict:
        return {
            "connector": self.name,
            "service_type": self.service_type,
            "ok": self.ok,
            "items": [o.__dict__ for o in self.outcomes],
            "run": self.run.as_dict(),
        }


_MARK = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "not available": "➖", "hit": "✅", "miss": "🔄"}


def _cell(text: str) -> str:
    """Text as one Markdown table cell: pipes escaped, HTML inert, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return " ".join(text.split())


def markdown(report: Report) -> str:
    """The checklist as a Markdown table, e.g. for a GitHub job summary (``$GITHUB_STEP_SUMMARY``)."""
    verdict = "passed" if report.ok else "failed"
    lines = [
        f"### {_MARK[verdict]} validate `{report.name}` ({report.service_type}): {verdict}",
        "",
        "| checklist item | result | step | detail |",
        "|---|---|---|---|",
    ]
    for o in report.outcomes:
        mark = _MARK.get(o.state, "")
        step = f"`{o.step_id}`" if o.step_id else ""
        lines.append(f"| {_cell(o.label)} | {mark} {_cell(o.state)} | {step} | {_cell(o.detail)} |")
    return "\n".join(lines) + "\n\n"


def validate(ws: Workspace, name: str, service_type: str | None, options: RunOptions) -> Report:
    """Run the whole checklist for one connector through the engine's driver."""
    from dataclasses import replace

    from connkit.engine import driver
    from connkit.errors import UsageError
    from connkit.openmetadata.connectors import find_connector
    from connkit.openmetadata.steps.catalog import all_steps

    conn = find_connector(ws, name, service_type)
    if not (ws.root / conn.schema).is_file():
        raise UsageError(f"{name} has no connection schema: run `connkit scaffold` first")
    steps = graph_for(ws, name, all_steps(ws))
    items = checklist(ws, conn, [s.id for s in steps])
    targets = [i.step_id for i in items if i.step_id]
    result = driver.run(ws, steps, targets, replace(options, json=False))
    return Report(name, conn.service_type, outcomes(items, result), result)
