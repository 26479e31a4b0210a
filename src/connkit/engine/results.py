"""What a run produced, in the shape `.connkit/runs/last.json` and `--json` share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

STATUSES = ("ran", "cached", "restored", "failed", "skipped")


@dataclass
class StepResult:
    id: str
    status: str  # one of STATUSES, or "hit"/"miss" in a dry run
    key: str = ""
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    message: str = ""
    log_tail: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = {"id": self.id, "status": self.status, "key": self.key, "seconds": self.seconds}
        if self.reasons:
            data["reasons"] = self.reasons
        if self.message:
            data["message"] = self.message
        return data


@dataclass
class RunResult:
    steps: list[StepResult]
    seconds: float
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(s.status in ("failed", "skipped") for s in self.steps)

    def by_id(self) -> dict[str, StepResult]:
        return {s.id: s for s in self.steps}

    def counts(self) -> Counter:
        return Counter(s.status for s in self.steps)

    def summary_line(self) -> str:
        counts = self.counts()
        order = ("hit", "miss") if self.dry_run else STATUSES
        parts = [f"{counts[s]} {s}" for s in order if counts[s]]
        noun = "step" if len(self.steps) == 1 else "steps"
        verb = " planned" if self.dry_run else ""
        return f"{len(self.steps)} {noun}{verb}: {', '.join(parts) or 'nothing to do'} — {self.seconds:.1f} s"

    def as_dict(self) -> dict:
        data = {"seconds": round(self.seconds, 4), "steps": [s.as_dict() for s in self.steps]}
        if self.dry_run:
            data["dry_run"] = True
        return data
