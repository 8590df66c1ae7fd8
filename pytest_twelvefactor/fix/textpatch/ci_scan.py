"""An image-scanning step (Trivy) after the step that builds and pushes the image in a
GitHub Actions workflow, scanning the unique tag just pushed; the build fails on fixable
CRITICAL/HIGH findings."""

from __future__ import annotations

import re

from ..base import Change, FixContext, TextEdit
from .image_tags import _UNIQUE, _split_ref

ITEMS = ("security.image-scanning",)
ACTION = "aquasecurity/trivy-action@0.28.0"
_BUILD = re.compile(r"^(?P<indent>\s*)- (name:.*|uses:\s*docker/build-push-action@\S+)\s*$")


def _step_end(lines: list[str], start: int) -> tuple[int, str]:
    """(last line number of the step starting at ``start``, the indentation of its `- `)."""
    first = lines[start - 1]
    indent = first[: len(first) - len(first.lstrip())]
    end = start
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        if text.strip() and (len(text) - len(text.lstrip()) <= len(indent)):
            break
        if text.strip():
            end = number
    return end, indent


def _insert(image: str):
    """Content-based: after the build-push step that pushes ``image`` (other edits may move lines)."""
    def transform(text: str) -> str:
        lines = text.split("\n")
        at = next((n for n, l in enumerate(lines, start=1) if image in l and not l.lstrip().startswith("#")), None)
        if at is None:
            return text
        start = next((n for n in range(at, 0, -1) if _BUILD.match(lines[n - 1])), None)
        if start is None:
            return text
        end, indent = _step_end(lines, start)
        inner = indent + "  "
        block = [
            f"{indent}- name: Scan the image (Trivy)",
            f"{inner}uses: {ACTION}",
            f"{inner}with:",
            f"{inner}  image-ref: {image}",
            f"{inner}  severity: CRITICAL,HIGH",
            f"{inner}  ignore-unfixed: true",
            f"{inner}  exit-code: \"1\"",
        ]
        return "\n".join(lines[:end] + block + lines[end:])
    return transform


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.wants(*ITEMS):
        return []
    release = ctx.results.get("factor05.release-versioning")
    evidence = list(release.evidence) if release is not None else []
    change = Change("image-scan", "Image vulnerability scan (Trivy) in CI", ITEMS)
    for pipeline in getattr(ctx.repo.ci, "pipelines", []):
        if pipeline.system != "github":
            continue
        unique = [(e.line, _split_ref(m.group("ref"))) for e in evidence
                  if e.path == pipeline.path and e.ok and (m := _UNIQUE.match(e.message))]
        unique = [(line, ref) for line, ref in unique if ref and "steps." not in ref[1] and ref[0].count("${{") == ref[0].count("env.")]
        if not unique:
            continue
        line, (name, tag) = unique[0]
        lines = pipeline.lines
        start = next((n for n in range(line, 0, -1) if _BUILD.match(lines[n - 1])), None)
        if start is None or "build-push-action" not in "\n".join(lines[start - 1:line]):
            continue
        end, _indent = _step_end(lines, start)
        change.edits.append(TextEdit(pipeline.path, _insert(f"{name}:{tag}"), "Trivy image scan after the build"))
        change.notes.append(f"{pipeline.path}: Trivy scan of {name}:{tag} after the build step ending at line {end}")
    if change.edits:
        change.decisions.append(f"The scan runs after the push ({ACTION}, pinned: keep it updated, or pin it by commit SHA); "
                                "it fails the job on fixable CRITICAL/HIGH findings — choose the severities that should block a release. "
                                "The runner must be able to pull the image (it is logged in to the registry in the same job).")
    else:
        ctx.skip(ITEMS, "no image scan generated: no GitHub Actions step builds and pushes an image with a tag usable by a "
                 "scanner step; add `trivy image` (or grype) after your build")
    return [] if change.empty else [change]
