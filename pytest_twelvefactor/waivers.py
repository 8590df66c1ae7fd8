"""Waivers: recorded decisions, applied to results.

A waiver covers a whole item or one target of it (a Kubernetes object, one of
its containers, a path glob). Config waivers come from ``[tool.twelvefactor]``;
inline waivers from the audited files themselves: the annotation
``twelvefactor.io/waive: "<item-id>: <reason>"`` on an object or its pod
template, and the comment ``# twelvefactor: waive <item-id> -- <reason>`` in
Dockerfiles, compose files and Python source (optionally followed by
``[expires YYYY-MM-DD]``).

Target waivers work on evidence: findings about the target stop counting.
When every finding against the item is waived, the item passes on what
remains (or is waived when nothing remains); otherwise its verdict stands,
because the other findings still decide it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from .config import Waiver
from .model.discovery import Diagnostic
from .results import Evidence, Verdict

ANNOTATION = "twelvefactor.io/waive"
_COMMENT = re.compile(
    r"twelvefactor:\s*waive\s+(?P<item>[\w.-]+)\s+--\s+(?P<reason>.+?)\s*(?:\[expires\s+(?P<expires>\d{4}-\d{2}-\d{2})\])?\s*$"
)
_ANNOTATION_ENTRY = re.compile(r"^\s*(?P<item>[\w.-]+)\s*:\s*(?P<reason>.+?)\s*$")


def key(waiver: Waiver) -> str:
    return f"{waiver.item_id}|{waiver.target or ''}|{waiver.source}|{waiver.line or ''}"


def _comment_waiver(path: str, line: int, text: str, known: set[str], diagnostics: list) -> Waiver | None:
    match = _COMMENT.search(text)
    if not match:
        if re.search(r"twelvefactor:\s*waive\b", text):
            diagnostics.append(Diagnostic(path, f"line {line}: inline waiver not understood; write '# twelvefactor: waive <item-id> -- <reason>'"))
        return None
    item_id = match.group("item")
    if item_id not in known:
        diagnostics.append(Diagnostic(path, f"line {line}: inline waiver for unknown item {item_id!r}; ignored"))
        return None
    expires = dt.date.fromisoformat(match.group("expires")) if match.group("expires") else None
    return Waiver(item_id, match.group("reason"), expires, None, target=path, source=path, line=line)


def inline_waivers(repo, known: set[str]) -> list[Waiver]:
    """Waivers written next to what they waive, found in the repository model."""
    out: list[Waiver] = []
    diagnostics = repo.diagnostics
    k8s = repo.kubernetes
    seen: set[tuple] = set()
    for obj in k8s.unique_objects() + list(k8s.supporting):
        for where, notes in (("metadata", obj.annotations), ("template", obj.pod_annotations() if obj.template() else {})):
            value = notes.get(ANNOTATION)
            if not isinstance(value, str):
                continue
            line = obj.line_of("metadata", "annotations", ANNOTATION) if where == "metadata" else obj.line_of("spec", "template", "metadata", "annotations", ANNOTATION)
            for entry in re.split(r"[\n;]+", value):
                if not entry.strip():
                    continue
                match = _ANNOTATION_ENTRY.match(entry)
                if not match or match.group("item") not in known:
                    diagnostics.append(Diagnostic(obj.path, f"line {line}: annotation {ANNOTATION} entry not understood or unknown item; write '<item-id>: <reason>'"))
                    continue
                waiver = Waiver(match.group("item"), match.group("reason"), None, None, target=obj.ref, source=obj.path, line=line)
                if (waiver.item_id, waiver.target, waiver.source, waiver.line) not in seen:
                    seen.add((waiver.item_id, waiver.target, waiver.source, waiver.line))
                    out.append(waiver)
    for dockerfile in repo.containers.dockerfiles:
        for line, text in dockerfile.comments:
            waiver = _comment_waiver(dockerfile.path, line, text, known, diagnostics)
            if waiver:
                out.append(waiver)
    for compose in repo.containers.compose_files:
        text = repo.text(compose.path) or ""
        if "twelvefactor:" in text:
            for number, line in enumerate(text.split("\n"), start=1):
                if "#" in line and "twelvefactor:" in line:
                    waiver = _comment_waiver(compose.path, number, line.split("#", 1)[1], known, diagnostics)
                    if waiver:
                        out.append(waiver)
    for module in repo.python.modules:
        for line, text in module.comments:
            waiver = _comment_waiver(module.path, line, text, known, diagnostics)
            if waiver:
                out.append(waiver)
    return out


def apply(result, waivers: list[Waiver], today: dt.date, used: set[str], expired: list[Waiver]):
    """``result`` with the applicable waivers applied (an ItemResult), recording which were used."""
    live = []
    notes = []
    for waiver in waivers:
        if waiver.expired(today):
            if waiver not in expired:
                expired.append(waiver)
            notes.append(Evidence(waiver.source, waiver.line, f"waiver expired on {waiver.expires.isoformat()} and no longer applies: {waiver.reason}"))
        else:
            live.append(waiver)
    whole = [w for w in live if w.target is None]
    if whole and result.verdict in (Verdict.FAIL, Verdict.PARTIAL):
        waiver = whole[0]
        used.add(key(waiver))
        expiry = f", expires {waiver.expires.isoformat()}" if waiver.expires else ""
        owner = f", owner {waiver.owner}" if waiver.owner else ""
        return replace(
            result, verdict=Verdict.WAIVED, summary=f"waived: {waiver.reason}{owner}{expiry}",
            waiver=waiver.to_dict(), underlying=result.verdict.value, evidence=result.evidence + tuple(notes),
        )
    targeted = [w for w in live if w.target is not None]
    if not targeted or result.verdict not in (Verdict.FAIL, Verdict.PARTIAL):
        return replace(result, evidence=result.evidence + tuple(notes)) if notes else result
    evidence = []
    covered = 0
    bad = 0
    applied: list[Waiver] = []
    for ev in result.evidence:
        if ev.ok is False:
            bad += 1
            waiver = next((w for w in targeted if w.covers(ev)), None)
            if waiver is not None:
                covered += 1
                used.add(key(waiver))
                if waiver not in applied:
                    applied.append(waiver)
                evidence.append(replace(ev, ok=None, message=f"{ev.message} (waived: {waiver.reason})"))
                continue
        evidence.append(ev)
    evidence += notes
    if not covered:
        return replace(result, evidence=tuple(evidence))
    if covered < bad:
        return replace(result, evidence=tuple(evidence), summary=f"{result.summary} ({covered} waived finding{'s' if covered != 1 else ''})")
    waiver_info = {"targets": [w.to_dict() for w in applied]}
    if any(ev.ok is True for ev in evidence):
        return replace(result, verdict=Verdict.PASS, summary=f"passes with {covered} waived finding{'s' if covered != 1 else ''}",
                       evidence=tuple(evidence), waiver=waiver_info, underlying=result.verdict.value)
    reasons = "; ".join(dict.fromkeys(w.reason for w in applied))
    return replace(result, verdict=Verdict.WAIVED, summary=f"waived: {reasons}", evidence=tuple(evidence),
                   waiver=waiver_info, underlying=result.verdict.value)
