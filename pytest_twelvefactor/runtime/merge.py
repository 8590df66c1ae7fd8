"""A static result combined with runtime evidence.

Rules (docs/runtime.md):

- every runtime observation is evidence whose message starts with ``runtime:``;
- a probe that cannot answer adds neutral evidence ``runtime: n/a — <reason>``
  and the static verdict stands;
- otherwise the runtime verdict follows the checklist's aggregation (all
  observed processes good → pass, some → partial, none → fail);
- when the static verdict is applicable and differs, an explicit
  ``static and runtime disagree: …`` line is added and the merged verdict is
  the runtime one — except for a *weak* finding (the runtime saw nothing bad,
  which cannot disprove a static finding, e.g. no log file open right now
  against a FileHandler in the code): then the static verdict stands;
- when the static verdict is n/a (nothing to judge statically), the runtime
  verdict is the item's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..results import Evidence, Result, Verdict, tally

_ORDER = {Verdict.PASS: 0, Verdict.PARTIAL: 1, Verdict.FAIL: 2}


@dataclass(frozen=True)
class Finding:
    """What one runtime probe observed: evidence and a verdict, or n/a with the reason."""

    verdict: Verdict
    summary: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    weak: bool = False   # a good verdict that cannot overturn a static finding against the item

    @property
    def answered(self) -> bool:
        return self.verdict is not Verdict.NA

    def to_dict(self) -> dict:
        return {"verdict": self.verdict.value, "summary": self.summary, "weak": self.weak,
                "evidence": [e.to_dict() for e in self.evidence]}

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        return cls(Verdict(data["verdict"]), data.get("summary", ""),
                   tuple(Evidence.from_dict(e) for e in data.get("evidence", ())), bool(data.get("weak")))


def observed(message: str, ok: bool | None, path: str | None = None, line: int | None = None) -> Evidence:
    """Runtime evidence: its message says so."""
    text = message if message.startswith("runtime:") else f"runtime: {message}"
    return Evidence(path, line, text, ok)


def unanswered(reason: str, evidence=()) -> Finding:
    return Finding(Verdict.NA, reason, tuple(evidence) + (observed(f"n/a — {reason}", None),))


def judged(evidence, *, subject: str, all_ok: str | None = None, none_ok: str | None = None,
           na_reason: str = "nothing observed", weak: bool = False) -> Finding:
    """The checklist's aggregation over runtime observations (``ok`` True/False each)."""
    result = tally(evidence, subject=subject, na_reason=na_reason, all_ok=all_ok, none_ok=none_ok)
    if result.verdict is Verdict.NA:
        return unanswered(na_reason, evidence)
    return Finding(result.verdict, result.summary, result.evidence, weak and result.verdict is Verdict.PASS)


def _anchor(static: Result, prefer_ok: bool | None) -> Evidence | None:
    """The located static evidence a runtime observation is about (for path:line in every report)."""
    located = [e for e in static.evidence if e.path]
    for wanted in (prefer_ok, True, False, None):
        for e in located:
            if e.ok is wanted:
                return e
    return None


def merge(static: Result, finding: Finding) -> Result:
    if not finding.answered:
        return Result(static.verdict, static.summary, static.evidence + finding.evidence)
    runtime = finding.verdict
    evidence = list(static.evidence)
    if not static.verdict.applicable:
        extra = (f" (static: {static.summary})" if static.summary else "")
        return Result(runtime, f"runtime: {finding.summary}{extra}", tuple(evidence) + _located(finding, static))
    if static.verdict is runtime:
        return Result(static.verdict, f"{static.summary}; runtime confirms: {finding.summary}",
                      tuple(evidence) + _located(finding, static))
    worse = _ORDER[runtime] > _ORDER[static.verdict]
    anchor = _anchor(static, True if worse else False)
    taken = static.verdict if (finding.weak and not worse) else runtime
    note = "; the static verdict stands (the runtime saw nothing against the item, which does not disprove it)" \
        if taken is static.verdict else f"; the runtime verdict ({runtime.value}) is taken"
    disagree = Evidence(
        anchor.path if anchor else None, anchor.line if anchor else None,
        f"static and runtime disagree: static {static.verdict.value} ({static.summary}), "
        f"runtime {runtime.value} ({finding.summary}){note}",
        False if worse else None,
    )
    summary = f"static and runtime disagree — runtime: {finding.summary}; static: {static.summary}"
    return Result(taken, summary, (disagree, *evidence, *_located(finding, static)))


def _located(finding: Finding, static: Result) -> tuple[Evidence, ...]:
    """Runtime findings against the item carry the static location they concern, so that
    reports keyed by path:line (SARIF, Markdown) show them too."""
    anchor = _anchor(static, True)
    out = []
    for e in finding.evidence:
        if e.ok is False and not e.path and anchor is not None:
            out.append(Evidence(anchor.path, anchor.line, e.message, e.ok, e.env))
        else:
            out.append(e)
    return tuple(out)
