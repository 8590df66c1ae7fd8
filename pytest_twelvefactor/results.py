"""Verdicts, evidence and results: the vocabulary every layer shares.

Evaluators return a :class:`Result`; scoring and reporters only read them.
Nothing here knows about pytest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable

from .model.redaction import redact


class Verdict(str, enum.Enum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    NA = "n/a"
    WAIVED = "waived"

    @property
    def credit(self) -> float | None:
        """Score credit; ``None`` means the item leaves the denominator."""
        return _CREDIT[self]

    @property
    def applicable(self) -> bool:
        return _CREDIT[self] is not None


_CREDIT = {
    Verdict.PASS: 1.0,
    Verdict.PARTIAL: 0.5,
    Verdict.FAIL: 0.0,
    Verdict.NA: None,
    Verdict.WAIVED: None,
}

# Worst first: used when one item is judged in several environments.
SEVERITY_ORDER = (Verdict.FAIL, Verdict.PARTIAL, Verdict.PASS, Verdict.NA, Verdict.WAIVED)


@dataclass(frozen=True)
class Evidence:
    """One observation that supports a verdict.

    ``path`` is relative to the audited root (POSIX separators); ``line`` is
    1-based. ``ok`` says whether this observation counts for (True) or against
    (False) the item, or is neutral context (None).
    """

    path: str | None
    line: int | None
    message: str
    ok: bool | None = None
    env: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact(self.message))  # values of credentials never leave

    def location(self) -> str:
        if not self.path:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_dict(self) -> dict:
        data = {"path": self.path, "line": self.line, "message": self.message}
        if self.ok is not None:
            data["ok"] = self.ok
        if self.env:
            data["env"] = self.env
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Evidence":
        return cls(data.get("path"), data.get("line"), data.get("message", ""), data.get("ok"), data.get("env"))


@dataclass(frozen=True)
class Result:
    """An evaluator's answer for one item: verdict, one-line summary, evidence."""

    verdict: Verdict
    summary: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", redact(self.summary))

    def strongest(self) -> Evidence | None:
        ranked = rank(self.evidence)
        return ranked[0] if ranked else None


def rank(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Evidence in the order a reader should see it: located findings against
    the item first, then other findings, then supporting and context evidence."""
    return sorted(evidence, key=lambda e: (e.ok is not False, e.path is None, e.ok is None))


def _tuple(evidence: Iterable[Evidence] | None) -> tuple[Evidence, ...]:
    return tuple(evidence or ())


def passed(summary: str, evidence: Iterable[Evidence] | None = None) -> Result:
    return Result(Verdict.PASS, summary, _tuple(evidence))


def partial(summary: str, evidence: Iterable[Evidence] | None = None) -> Result:
    return Result(Verdict.PARTIAL, summary, _tuple(evidence))


def failed(summary: str, evidence: Iterable[Evidence] | None = None) -> Result:
    return Result(Verdict.FAIL, summary, _tuple(evidence))


def not_applicable(reason: str, evidence: Iterable[Evidence] | None = None) -> Result:
    return Result(Verdict.NA, reason, _tuple(evidence))


def tally(
    evidence: Iterable[Evidence],
    *,
    subject: str,
    na_reason: str,
    all_ok: str | None = None,
    none_ok: str | None = None,
) -> Result:
    """The checklist's aggregation rule over objects or process types.

    Each piece of evidence with ``ok`` True/False is one object judged good or
    bad; neutral evidence (``ok`` None) is carried along. All good → pass,
    some → partial, none → fail; no judged object → n/a with ``na_reason``.
    """
    evidence = tuple(evidence)
    good = sum(1 for e in evidence if e.ok is True)
    bad = sum(1 for e in evidence if e.ok is False)
    total = good + bad
    if total == 0:
        return not_applicable(na_reason, evidence)
    if bad == 0:
        return passed(all_ok or f"all {total} {subject} comply", evidence)
    if good == 0:
        return failed(none_ok or f"none of {total} {subject} comply", evidence)
    return partial(f"{good} of {total} {subject} comply", evidence)


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    verdicts = set(verdicts)
    for verdict in SEVERITY_ORDER:
        if verdict in verdicts:
            return verdict
    return Verdict.NA
