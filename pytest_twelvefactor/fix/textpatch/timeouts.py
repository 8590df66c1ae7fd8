"""``timeout=`` on outbound HTTP calls that have none (requests, httpx, urllib): the
evidence of resilience.timeouts names each call; the keyword is added inside it."""

from __future__ import annotations

import ast
import re

from ..base import Change, FixContext, TextEdit

ITEMS = ("resilience.timeouts",)
TIMEOUT = 10
_FINDING = re.compile(r"(requests|httpx|urllib|urlopen|session|client)", re.I)
_HTTP = ("get", "post", "put", "patch", "delete", "head", "options", "request", "urlopen", "stream")


def _add_timeouts(lines_wanted: set[int]):
    def transform(text: str) -> str:
        tree = ast.parse(text)
        spots = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or node.lineno not in lines_wanted:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in _HTTP or any(k.arg == "timeout" for k in node.keywords) or any(k.arg is None for k in node.keywords):
                continue
            spots.append((node.end_lineno, node.end_col_offset))
        lines = text.split("\n")
        for end_line, end_col in sorted(spots, reverse=True):
            line = lines[end_line - 1]
            close = end_col - 1
            if close < 0 or close >= len(line) or line[close] != ")":
                continue
            before = line[:close].rstrip()
            if not before.strip() and end_line >= 2:  # `)` alone on its line: a new argument line above it
                prev = lines[end_line - 2]
                indent = prev[: len(prev) - len(prev.lstrip())]
                if not prev.rstrip().endswith((",", "(")):
                    lines[end_line - 2] = prev.rstrip() + ","
                lines.insert(end_line - 1, f"{indent}timeout={TIMEOUT},")
                continue
            if before.endswith("("):
                lines[end_line - 1] = line[:close] + f"timeout={TIMEOUT}" + line[close:]
            else:
                sep = " " if before.endswith(",") else ", "
                lines[end_line - 1] = before + f"{sep}timeout={TIMEOUT}" + line[close:]
        return "\n".join(lines)
    return transform


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.wants(*ITEMS):
        return []
    result = ctx.results.get("resilience.timeouts")
    by_path: dict[str, set[int]] = {}
    for evidence in result.evidence:
        if evidence.ok is False and evidence.path and evidence.path.endswith(".py") and evidence.line and "timeout" in evidence.message.lower():
            by_path.setdefault(evidence.path, set()).add(evidence.line)
    change = Change("timeouts", f"timeout={TIMEOUT} on outbound HTTP calls without one", ITEMS)
    for path, lines in sorted(by_path.items()):
        text = ctx.repo.text(path)
        if text is None:
            continue
        new = _add_timeouts(lines)(text)
        if new != text:
            change.edits.append(TextEdit(path, _add_timeouts(lines), f"timeout={TIMEOUT} on the calls at line(s) {', '.join(map(str, sorted(lines)))}"))
            change.notes.append(f"{path}: timeout={TIMEOUT} at line(s) {', '.join(map(str, sorted(lines)))}")
    if change.edits:
        change.decisions.append(f"{TIMEOUT} s is a default: use the dependency's real latency budget; callers now see a "
                                "Timeout exception instead of a hang — check they handle it.")
    return [] if change.empty else [change]
