"""Helpers shared by evaluators: judging workloads across environments and
phrasing evidence consistently."""

from __future__ import annotations

import re
from typing import Callable, Iterable

from ..model.kubernetes import K8sObject, Workload
from ..results import Evidence

# judge(obj) -> (ok, message, line) with ok True/False, or None to leave the object out
Judge = Callable[[K8sObject], "tuple[bool | None, str, int | None] | None"]


def judge_workloads(workloads: Iterable[Workload], judge: Judge) -> list[Evidence]:
    """One piece of evidence per workload, worst environment first.

    The workload is judged in every environment it is deployed to; it is good
    only if good everywhere. A finding is reported once, at the source line,
    naming the environments where it occurs (unless it occurs in all).
    """
    out: list[Evidence] = []
    for work in workloads:
        verdicts = []
        for env, obj in work.variants.items():
            answer = judge(obj)
            if answer is not None:
                verdicts.append((env, obj, answer))
        if not verdicts:
            continue
        bad = [(env, obj, a) for env, obj, a in verdicts if a[0] is False]
        if bad:
            env, obj, (ok, message, line) = bad[0]
            envs = [e for e, _, _ in bad]
            scope = "" if len(envs) == len(work.variants) or len(work.variants) <= 1 else f" (in {', '.join(envs)})"
            out.append(Evidence(obj.path, line or obj.line, f"{work.ref}: {message}{scope}", False, envs[0] if scope else None))
            continue
        neutral = all(a[0] is None for _, _, a in verdicts)
        env, obj, (ok, message, line) = verdicts[0]
        out.append(Evidence(obj.path, line or obj.line, f"{work.ref}: {message}", None if neutral else True))
    return out


def at(obj: K8sObject, message: str, ok: bool | None, *keys) -> Evidence:
    return Evidence(obj.path, obj.line_of(*keys) if keys else obj.line, message, ok)


def plural(count: int, word: str) -> str:
    if count != 1 and re.search(r"[^aeiou]y$", word):
        return f"{count} {word[:-1]}ies"
    return f"{count} {word}" + ("" if count == 1 else "s")


# --------------------------------------------------------------------------- graded judgements
# Some items grade an object on three levels (e.g. "explicit tag but pulled Always" is
# partial, "mutable tag" is fail). grade(obj) -> (level, message, line) with level
# "good" / "partial" / "bad", or None for context; return None to leave the object out.
GRADE_RANK = {"good": 0, "partial": 1, "bad": 2}
Grade = Callable[[K8sObject], "tuple[str | None, str, int | None] | None"]


def grade_workloads(workloads: Iterable[Workload], grade: Grade) -> list[tuple[Evidence, str | None]]:
    """Like :func:`judge_workloads`, with three levels: one (evidence, level) per workload.

    The worst environment decides the level; its finding is reported at the
    source line, naming the environments where that level occurs (unless all).
    """
    out: list[tuple[Evidence, str | None]] = []
    for work in workloads:
        answers = [(env, obj, a) for env, obj in work.variants.items() if (a := grade(obj)) is not None]
        if not answers:
            continue
        ranked = [x for x in answers if x[2][0] in GRADE_RANK]
        if not ranked:
            env, obj, (_level, message, line) = answers[0]
            out.append((Evidence(obj.path, line or obj.line, f"{work.ref}: {message}", None), None))
            continue
        worst_rank = max(GRADE_RANK[x[2][0]] for x in ranked)
        at_worst = [x for x in ranked if GRADE_RANK[x[2][0]] == worst_rank]
        env, obj, (level, message, line) = at_worst[0]
        envs = [e for e, _, _ in at_worst]
        scope = ""
        if level != "good" and len(work.variants) > 1 and len(envs) < len(work.variants):
            scope = f" (in {', '.join(envs)})"
        out.append((
            Evidence(obj.path, line or obj.line, f"{work.ref}: {message}{scope}", level == "good", envs[0] if scope else None),
            level,
        ))
    return out


def level_counts(graded: Iterable[tuple[Evidence, str | None]]) -> dict[str, int]:
    counts = {"good": 0, "partial": 0, "bad": 0}
    for _evidence, level in graded:
        if level in counts:
            counts[level] += 1
    return counts
