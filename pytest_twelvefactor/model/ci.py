"""CI/CD definitions: workflows, their triggers, jobs, environments and steps.

GitHub Actions, GitLab CI, Azure Pipelines, CircleCI, Bitbucket and Cloud
Build are read as YAML into jobs and steps; Jenkinsfiles and other scripts as
text lines. Evaluators search step commands and ``uses`` references with
line numbers, so they can say which workflow line builds, pushes or deploys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import yamlio
from .discovery import Diagnostic, FileIndex, ci_system
from .kubernetes import as_dict, as_list


@dataclass(frozen=True)
class Step:
    job: str
    text: str            # the step's command text or ``uses`` reference, lower-cased not
    line: int
    uses: str | None = None
    environment: str | None = None   # the job's deployment environment, if any


@dataclass
class Job:
    name: str
    line: int
    environment: str | None
    steps: list[Step] = field(default_factory=list)
    text: str = ""                 # all of the job as flat text, for cheap pattern searches


@dataclass
class Pipeline:
    path: str
    system: str
    triggers: list[str]            # e.g. ["push", "pull_request", "workflow_dispatch", "tags"]
    branches: list[str]
    jobs: list[Job]
    lines: list[str]               # the file's text lines, for text searches with line numbers

    def steps(self) -> list[Step]:
        return [s for j in self.jobs for s in j.steps]

    def grep(self, pattern) -> list[tuple[int, str]]:
        """(line, text) of lines matching a compiled regex; comments excluded."""
        return [(i, l) for i, l in enumerate(self.lines, start=1) if not l.lstrip().startswith("#") and pattern.search(l)]


def _flatten(value) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k} {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(_flatten(v) for v in value)
    return "" if value is None else str(value)


def _environment(job: dict) -> str | None:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return str(env) if env else None


def _github(doc: dict, path: str) -> tuple[list[str], list[str], list[Job]]:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on:` key as True
    triggers: list[str] = []
    branches: list[str] = []
    if isinstance(on, str):
        triggers = [on]
    elif isinstance(on, list):
        triggers = [str(t) for t in on]
    elif isinstance(on, dict):
        triggers = [str(t) for t in on]
        push = as_dict(on.get("push"))
        branches = [str(b) for b in as_list(push.get("branches"))]
        if push.get("tags"):
            triggers.append("tags")
    jobs = []
    for name, job in as_dict(doc.get("jobs")).items():
        if not isinstance(job, dict):
            continue
        env = _environment(job)
        line = doc["jobs"].line_of(name) if isinstance(doc.get("jobs"), yamlio.YMap) else 1
        item = Job(str(name), line, env, text=_flatten(job))
        for step in as_list(job.get("steps")):
            if not isinstance(step, dict):
                continue
            step_line = getattr(step, "line", line) or line
            uses = str(step["uses"]) if step.get("uses") else None
            text = str(step.get("run") or "") + " " + _flatten(step.get("with")) + " " + (uses or "") + " " + str(step.get("name") or "")
            item.steps.append(Step(str(name), text.strip(), step_line, uses, env))
        if job.get("uses"):
            item.steps.append(Step(str(name), str(job["uses"]) + " " + _flatten(job.get("with")), line, str(job["uses"]), env))
        jobs.append(item)
    return triggers, branches, jobs


_GITLAB_RESERVED = {"stages", "variables", "default", "include", "workflow", "image", "services", "before_script", "after_script", "cache"}


def _generic(doc: dict, system: str) -> tuple[list[str], list[str], list[Job]]:
    jobs = []
    if system == "gitlab":
        triggers = ["push"]
        for name, job in doc.items():
            if str(name) in _GITLAB_RESERVED or str(name).startswith(".") or not isinstance(job, dict):
                continue
            line = doc.line_of(name) if isinstance(doc, yamlio.YMap) else 1
            item = Job(str(name), line, _environment(job), text=_flatten(job))
            for key in ("before_script", "script", "after_script"):
                for cmd in as_list(job.get(key)) if isinstance(job.get(key), list) else [job.get(key)] if job.get(key) else []:
                    item.steps.append(Step(str(name), str(cmd), line, None, item.environment))
            if job.get("when") == "manual":
                item.text += " when manual"
            jobs.append(item)
        return triggers, [], jobs
    # azure, circleci, bitbucket, cloudbuild, drone, travis: one job with every string as a step
    triggers = ["push"] if system != "azure" or doc.get("trigger") != "none" else []
    job = Job(system, 1, None, text=_flatten(doc))

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and key in ("script", "run", "bash", "inline", "inlineScript", "command", "args", "entrypoint", "name", "task", "uses"):
                    job.steps.append(Step(system, value, node.line_of(key) if isinstance(node, yamlio.YMap) else 1))
                elif isinstance(value, list) and key in ("args", "script", "commands"):
                    job.steps.append(Step(system, " ".join(str(v) for v in value), node.line_of(key) if isinstance(node, yamlio.YMap) else 1))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    return triggers, [], [job]


class CIModel:
    def __init__(self, index: FileIndex, diagnostics: list[Diagnostic]):
        self.pipelines: list[Pipeline] = []
        for path in index.of("ci"):
            system = ci_system(path) or "other"
            text = index.read(path, diagnostics)
            if text is None:
                continue
            lines = text.split("\n")
            if system == "jenkins":
                job = Job("jenkins", 1, None, text=text)
                job.steps = [Step("jenkins", l.strip(), i) for i, l in enumerate(lines, 1) if l.strip()]
                self.pipelines.append(Pipeline(path, system, ["push"], [], [job], lines))
                continue
            try:
                docs = yamlio.load_all(text)
            except Exception as exc:
                diagnostics.append(Diagnostic(path, yamlio.describe_error(exc)))
                continue
            doc = docs[0] if docs and isinstance(docs[0], dict) else None
            if doc is None:
                continue
            triggers, branches, jobs = _github(doc, path) if system == "github" else _generic(doc, system)
            self.pipelines.append(Pipeline(path, system, triggers, branches, jobs, lines))

    @property
    def present(self) -> bool:
        return bool(self.pipelines)

    def steps(self) -> list[tuple[Pipeline, Step]]:
        return [(p, s) for p in self.pipelines for s in p.steps()]
