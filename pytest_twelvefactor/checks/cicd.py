"""Cloud Native 7 — CI/CD & GitOps: automated deploys, environment separation,
GitOps and progressive delivery.

(``cicd.automated-build``, ``cicd.image-versioning`` and ``cicd.rollback`` are
"as" items of factor 5 and have no evaluator here.)

A *deploy* is a CI step that changes a persistent environment: kubectl/kustomize/
helm/argocd/flux/skaffold against a cluster, a GitOps image bump that is committed,
or another target (SSH + compose, Swarm, Cloud Run, App Service, ECS, Fly, Heroku …).
Jobs that create their own throw-away cluster (kind, k3d, minikube) or namespace
are tests, not deploys.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..model.ci import Job, Pipeline, Step
from ..model.kubernetes import STAGE_NAMES, K8sObject, as_dict, as_list
from ..results import Evidence, Result, failed, not_applicable, partial, passed
from . import check
from .common import plural
from .factor09_disposability import process_types

K8S_DEPLOY = re.compile(
    r"(\bkubectl\b[^\n;&|]*\b(apply|replace|set\s+image|rollout\s+(restart|undo)|patch)\b|\bkubectl\b[^\n;&|]*\bcreate\s+-[fk]\b|"
    r"\bhelm(file)?\b[^\n;&|]*\b(upgrade|install|sync|apply)\b|\bargocd\s+app\s+(sync|set|create)\b|\bflux\s+reconcile\b|"
    r"\bskaffold\s+(run|deploy)\b|azure/k8s-deploy|deliverybot/helm|google-github-actions/deploy-gke|\bkapp\s+deploy\b|"
    r"\boc\s+(apply|rollout)\b)",
    re.I,
)
DRY_RUN = re.compile(r"(--dry-run|\bkubeconform\b|\bkubeval\b|helm\s+(lint|template)\b)", re.I)
GITOPS_BUMP = re.compile(r"\b(kustomize\s+edit\s+set\s+image|yq\b[^\n]*\.image|helm-docs)\b", re.I)
COMMITS = re.compile(r"(\bgit\s+push\b|peter-evans/create-pull-request|stefanzweifel/git-auto-commit-action|EndBug/add-and-commit)", re.I)
OTHER_DEPLOY = re.compile(
    r"(\bdocker\s+stack\s+deploy\b|\bgcloud\s+(run|app|functions)\s+deploy\b|deploy-cloudrun|deploy-appengine|"
    r"\baz\s+(webapp|containerapp|functionapp)\b[^\n]*\b(up|update|create|deploy|deployment)\b|azure/webapps-deploy|"
    r"azure/container-apps-deploy-action|azure/functions-action|\baws\s+ecs\s+update-service\b|amazon-ecs-deploy-task-definition|"
    r"\bcopilot\s+(svc\s+)?deploy\b|\bflyctl?\s+deploy\b|superfly/flyctl-actions|akhileshns/heroku-deploy|\bgit\s+push\s+heroku\b|"
    r"\b(serverless|sls)\s+deploy\b|\beb\s+deploy\b|\brailway\s+up\b|\bnetlify\s+deploy\b[^\n]*--prod|\bvercel\b[^\n]*--prod|"
    r"\bfastapi\s+deploy\b)",
    re.I,
)
# A job on a self-hosted runner that starts the stack detached deploys to that host.
SELF_HOSTED = re.compile(r"\bruns-on\s+self-hosted\b", re.I)
COMPOSE_UP_DETACHED = re.compile(r"docker[\s-]compose\b[^\n]*\bup\b[^\n]*(\s-d\b|--detach\b)", re.I)
SSH_STEP = re.compile(r"(appleboy/ssh-action|appleboy/scp-action|easingthemes/ssh-deploy|\bssh\s+\S|\bscp\s|\brsync\s[^\n]*:)", re.I)
REMOTE_RUN = re.compile(r"(docker[\s-]compose\b[^\n]*\bup\b|\bdocker\s+(run|pull|load)\b|systemctl\s+restart|deploy\.sh)", re.I)
EPHEMERAL = re.compile(
    r"(kind\s+create\s+cluster|helm/kind-action|engineerd/setup-kind|container-tools/kind-action|k3d\s+cluster\s+create|"
    r"AbsaOSS/k3d-action|rinx/setup-k3d|nolar/setup-k3d-k3s|minikube\s+start|setup-minikube|k3s-action)",
    re.I,
)
AUTOMATED_TRIGGERS = {"push", "tags", "release", "workflow_run", "schedule", "merge_group", "repository_dispatch",
                      "deployment", "registry_package", "check_suite", "page_build"}
MANUAL_JOB = re.compile(r"(\bwhen manual\b|event_name\s*==\s*['\"]workflow_dispatch['\"])")
STAGE_WORD = re.compile(r"(?<![a-z0-9])(" + "|".join(sorted((re.escape(k) for k in STAGE_NAMES), key=len, reverse=True)) + r")(?![a-z0-9])")


@dataclass(frozen=True)
class Deploy:
    pipeline: Pipeline
    job: Job
    step: Step
    target: str        # "kubernetes" or "other"
    automated: bool
    line: int          # the line of the deploying command inside the step

    def evidence(self, message: str, ok: bool | None) -> Evidence:
        return Evidence(self.pipeline.path, self.line, message, ok, self.job.environment)


def _command_line(pipe: Pipeline, job: Job, step: Step, pattern: re.Pattern) -> int:
    """The first line at or after the step's start (before the next step) that matches."""
    later = [s.line for s in job.steps if s.line > step.line]
    end = min(later) if later else min(step.line + 80, len(pipe.lines) + 1)
    for number in range(step.line, end):
        if pattern.search(pipe.lines[number - 1]):
            return number
    return step.line


def _triggers(repo, pipe: Pipeline, seen: frozenset = frozenset()) -> set[str]:
    triggers = set(pipe.triggers)
    if "workflow_call" in triggers and pipe.path not in seen:
        for other in repo.ci.pipelines:
            if any(s.uses and posixpath.basename(s.uses.split("@")[0]) == posixpath.basename(pipe.path) for s in other.steps()):
                triggers |= _triggers(repo, other, seen | {pipe.path})
    return triggers


def _ephemeral(pipe: Pipeline, job: Job) -> bool:
    if EPHEMERAL.search(job.text):
        return True
    text = "\n".join(pipe.lines)
    return bool(re.search(r"create\s+(namespace|ns)\b", text) and re.search(r"delete\s+(namespace|ns)\b", text))


def deploys(repo) -> list[Deploy]:
    """Every CI step that deploys to a persistent environment."""
    out: list[Deploy] = []
    for pipe in repo.ci.pipelines:
        automated_pipe = bool(_triggers(repo, pipe) & AUTOMATED_TRIGGERS)
        for job in pipe.jobs:
            if _ephemeral(pipe, job):
                continue
            automated = automated_pipe and not MANUAL_JOB.search(job.text)
            for step in job.steps:
                text = step.text
                if K8S_DEPLOY.search(text) and not DRY_RUN.search(text):
                    out.append(Deploy(pipe, job, step, "kubernetes", automated, _command_line(pipe, job, step, K8S_DEPLOY)))
                elif GITOPS_BUMP.search(text) and COMMITS.search(job.text):
                    out.append(Deploy(pipe, job, step, "kubernetes", automated, _command_line(pipe, job, step, GITOPS_BUMP)))
                elif OTHER_DEPLOY.search(text) or (SSH_STEP.search(text) and REMOTE_RUN.search(text)):
                    pattern = OTHER_DEPLOY if OTHER_DEPLOY.search(text) else REMOTE_RUN
                    out.append(Deploy(pipe, job, step, "other", automated, _command_line(pipe, job, step, pattern)))
                elif SELF_HOSTED.search(job.text) and COMPOSE_UP_DETACHED.search(text):
                    out.append(Deploy(pipe, job, step, "other", automated, _command_line(pipe, job, step, COMPOSE_UP_DETACHED)))
    return out


ARGO_KINDS = ("Application", "ApplicationSet")
FLUX_KINDS = ("Kustomization", "HelmRelease", "GitRepository", "OCIRepository")


def gitops_objects(repo) -> list[K8sObject]:
    out = []
    for obj in repo.kubernetes.anywhere(*ARGO_KINDS, *FLUX_KINDS, "GitRepo"):
        group = obj.api_version.split("/")[0]
        if (obj.kind in ARGO_KINDS and group == "argoproj.io") or group.endswith("toolkit.fluxcd.io") or group == "fleet.cattle.io":
            out.append(obj)
    return out


def _auto_sync(obj: K8sObject) -> bool | None:
    """True when the GitOps object reconciles on every commit, False when it waits for a
    manual sync, None for source objects (GitRepository …)."""
    if obj.kind == "Application":
        return bool(as_dict(as_dict(obj.spec.get("syncPolicy")).get("automated")) or "automated" in as_dict(obj.spec.get("syncPolicy")))
    if obj.kind == "ApplicationSet":
        policy = as_dict(as_dict(as_dict(as_dict(obj.spec.get("template")).get("spec")).get("syncPolicy")))
        return "automated" in policy
    if obj.kind in ("Kustomization", "HelmRelease"):
        return obj.spec.get("suspend") is not True
    return None


def _name_of(d: Deploy) -> str:
    """The deploying command as "tool … verb": flags and arguments (which may hold
    credentials, e.g. ``--set password=…``) never leave the pipeline."""
    text = d.pipeline.lines[d.line - 1] if 0 < d.line <= len(d.pipeline.lines) else d.step.text
    for pattern in (K8S_DEPLOY, GITOPS_BUMP, OTHER_DEPLOY, REMOTE_RUN, SSH_STEP):
        match = pattern.search(text) or pattern.search(d.step.text)
        if match:
            words = match.group(0).split()
            return " … ".join((words[0], words[-1])) if len(words) > 2 else " ".join(words)
    return "deploy step"


# --------------------------------------------------------------------------- automated deploy


@check("cicd.automated-deploy")
def automated_deploy(repo) -> Result:
    """Releases should reach the judged deployment without a human: a CI deploy to it
    (kubectl/kustomize/helm/argocd/flux when Kubernetes is the deployment, any target
    otherwise) on push/tag/release/workflow_run, or an Argo CD/Flux object that syncs
    automatically → pass; deploys only by manual trigger, manual GitOps sync, or only to
    another target (SSH + compose, PaaS) → partial; no deploy → fail; nothing
    deployable (no Kubernetes, compose, Dockerfile or process type such as a server
    script) → n/a. Ephemeral CI clusters do not count."""
    found = deploys(repo)
    k8s = repo.kubernetes.present
    evidence: list[Evidence] = []
    good = manual = other = 0
    for d in found:
        judged = d.target == "kubernetes" or not k8s
        where = "the Kubernetes deployment" if d.target == "kubernetes" else ("another target" if k8s else "the deployment")
        trigger = "on " + "/".join(sorted(_triggers(repo, d.pipeline) & AUTOMATED_TRIGGERS)) if d.automated else "by manual trigger only"
        if judged and d.automated:
            good += 1
            evidence.append(d.evidence(f"job {d.job.name} deploys {where} {trigger}", True))
        elif judged:
            manual += 1
            evidence.append(d.evidence(f"job {d.job.name} deploys {where} {trigger}", False))
        else:
            other += 1
            evidence.append(d.evidence(f"job {d.job.name} deploys {where} ({_name_of(d)}), not the Kubernetes deployment", False))
    for obj in gitops_objects(repo):
        auto = _auto_sync(obj)
        if auto is True:
            good += 1
            evidence.append(Evidence(obj.path, obj.line, f"{obj.ref}: {'Argo CD' if 'argoproj' in obj.api_version else 'GitOps'} syncs every commit automatically", True))
        elif auto is False:
            manual += 1
            evidence.append(Evidence(obj.path, obj.line_of("spec"), f"{obj.ref}: Argo CD sync is manual (no syncPolicy.automated)", False))
    if good:
        return passed(f"automated deploys ({plural(good, 'deploy path')})", evidence)
    if manual or other:
        return partial("deploys are manual" if manual and not other else "deploys go to another target" if not manual
                       else "deploys are manual or go to another target", evidence)
    procs = [] if (k8s or repo.containers.compose_files or repo.containers.dockerfiles) else process_types(repo)[0]
    if not (k8s or repo.containers.compose_files or repo.containers.dockerfiles or procs):
        return not_applicable("nothing deployable (no Kubernetes, compose, Dockerfile or process type)")
    if not repo.ci.pipelines:
        return failed("no CI pipeline deploys the application", [p.evidence("deployed by hand; no CI pipeline", False) for p in procs[:5]])
    return failed("no CI job deploys the application",
                  [Evidence(p.path, 1, "pipeline without a deploy step", False) for p in repo.ci.pipelines])


# --------------------------------------------------------------------------- environment separation


def _targets_of_deploy(repo, d: Deploy) -> dict[str, str]:
    """Normalised target name -> name as written. A literal job environment is
    authoritative; otherwise stage words in names, commands and matrices decide."""
    names: dict[str, str] = {}
    env = d.job.environment or ""
    if env and "$" not in env:
        return {STAGE_NAMES.get(env.lower(), env.lower()): env}
    strict = [d.job.name, posixpath.basename(d.pipeline.path)]
    loose = [d.step.text] + ([d.job.text] if "$" in env or "matrix" in d.job.text else [])
    for text, skip in [(t, {"stage"}) for t in strict] + [(t, {"stage", "test", "testing", "local"}) for t in loose]:
        for word in STAGE_WORD.findall(text.lower().replace("/dev/null", "")):
            if word not in skip:
                names.setdefault(STAGE_NAMES[word], word)
    for environment in repo.kubernetes.environments:
        name = environment.name.lower()
        if len(name) >= 3 and environment.source and re.search(rf"(?<![\w-]){re.escape(environment.source)}(?![\w-])", d.step.text):
            names.setdefault(STAGE_NAMES.get(name, name), environment.name)
    return names


@check("cicd.environment-separation")
def environment_separation(repo) -> Result:
    """Deploys should target named environments separately: at least two distinct
    targets among CI deploy jobs (GitHub/GitLab environments, stage words in job, file,
    overlay or matrix names) and Argo CD/Flux objects (stage words in name, path or
    namespace) → pass; deploys to a single (or unnamed) target → fail; nothing deployed
    → n/a."""
    found = deploys(repo)
    apps = [o for o in gitops_objects(repo) if _auto_sync(o) is not None]
    if not found and not apps:
        return not_applicable("nothing is deployed (no CI deploy step, no Argo CD/Flux object)")
    targets: dict[str, Evidence] = {}
    for d in found:
        for name, written in sorted(_targets_of_deploy(repo, d).items()):
            line = d.line
            if d.job.environment:
                line = _command_line(d.pipeline, d.job, Step(d.job.name, "", d.job.line), re.compile(r"^\s*environment\s*:"))
                line = d.line if line == d.job.line else line
            targets.setdefault(name, Evidence(d.pipeline.path, line, f"job {d.job.name} deploys to {written}", True, d.job.environment))
    for obj in apps:
        spec = obj.spec
        source = as_dict(spec.get("source"))
        text = " ".join(str(x) for x in (obj.name, obj.namespace or "", source.get("path", ""), spec.get("path", ""),
                                         as_dict(spec.get("destination")).get("namespace", ""), spec.get("targetNamespace", "")))
        for word in STAGE_WORD.findall(text.lower()):
            if word != "stage":
                targets.setdefault(STAGE_NAMES[word], Evidence(obj.path, obj.line, f"{obj.ref} deploys to {word}", True))
    evidence = list(targets.values())
    if len(targets) >= 2:
        return passed(f"deploys to {len(targets)} environments: {', '.join(sorted(targets))}", evidence)
    first = found[0].evidence(f"job {found[0].job.name}: the only deploy target", False) if found else \
        Evidence(apps[0].path, apps[0].line, f"{apps[0].ref}: the only deploy target", False)
    only = next(iter(targets), "one unnamed target")
    return failed(f"single deploy target ({only})", [first] + [e for e in evidence if e.path != first.path or e.line != first.line])


# --------------------------------------------------------------------------- GitOps


@check("cicd.gitops")
def gitops(repo) -> Result:
    """The cluster should pull its desired state from git: Argo CD Application/
    ApplicationSet, Flux Kustomization/HelmRelease/GitRepository or Fleet GitRepo
    objects in the repository, or CI driving Argo CD/Flux (argocd app sync, flux
    reconcile) → pass; Kubernetes deployed by push (kubectl/helm from CI) or by hand →
    fail; no Kubernetes → n/a."""
    if not repo.kubernetes.present:
        return not_applicable("no Kubernetes manifests")
    objects = gitops_objects(repo)
    driven = [d for d in deploys(repo) if re.search(r"\b(argocd|flux)\b", d.step.text, re.I)]
    evidence = [Evidence(o.path, o.line, f"{o.ref}: {'Argo CD' if 'argoproj' in o.api_version else 'Flux' if 'fluxcd' in o.api_version else 'Fleet'} object", True)
                for o in objects]
    evidence += [d.evidence(f"job {d.job.name} drives a GitOps controller", True) for d in driven]
    if evidence:
        return passed(f"GitOps in use ({plural(len(evidence), 'object or step')})", evidence)
    push = [d for d in deploys(repo) if d.target == "kubernetes"]
    evidence = [d.evidence(f"job {d.job.name} pushes manifests to the cluster ({_name_of(d)})", False) for d in push]
    if not evidence:
        evidence = [Evidence(None, None, "no Argo CD or Flux objects and no deploy pipeline: manifests are applied by hand", False)]
    return failed("push-based deployment, no GitOps controller", evidence)


# --------------------------------------------------------------------------- progressive delivery


def _weighted(values: list) -> bool:
    weights = [as_dict(v).get("weight") for v in values]
    return len([w for w in weights if isinstance(w, (int, float))]) >= 2 or any(
        isinstance(w, (int, float)) and 0 < w < 100 for w in weights
    )


def _progressive(obj: K8sObject) -> tuple[str, int] | None:
    spec, group = obj.spec, obj.api_version.split("/")[0]
    if obj.kind == "Rollout" and group in ("argoproj.io", "rollouts.kruise.io"):
        strategy = as_dict(spec.get("strategy"))
        name = "canary" if "canary" in strategy else "blueGreen" if "blueGreen" in strategy else "rollout"
        return f"Argo Rollouts {name} strategy" if group == "argoproj.io" else "OpenKruise Rollout", obj.line_of("spec", "strategy")
    if obj.kind == "Canary" and group == "flagger.app":
        return "Flagger canary analysis", obj.line
    if obj.kind == "TrafficSplit":
        return "SMI TrafficSplit", obj.line
    if obj.kind == "Ingress" and str(obj.annotations.get("nginx.ingress.kubernetes.io/canary", "")).lower() == "true":
        return "NGINX canary ingress", obj.line_of("metadata", "annotations", "nginx.ingress.kubernetes.io/canary")
    if obj.kind == "VirtualService":
        for i, route in enumerate(as_list(spec.get("http"))):
            if _weighted(as_list(as_dict(route).get("route"))):
                return "Istio weighted routing", obj.line_of("spec", "http", i)
    if obj.kind == "HTTPRoute":
        for i, rule in enumerate(as_list(spec.get("rules"))):
            if _weighted(as_list(as_dict(rule).get("backendRefs"))):
                return "Gateway API weighted backends", obj.line_of("spec", "rules", i)
    if obj.kind == "TraefikService" and as_dict(spec.get("weighted")):
        return "Traefik weighted service", obj.line_of("spec", "weighted")
    if obj.kind == "Service" and group == "serving.knative.dev" and len(as_list(spec.get("traffic"))) >= 2:
        return "Knative traffic split", obj.line_of("spec", "traffic")
    return None


@check("cicd.progressive-delivery")
def progressive_delivery(repo) -> Result:
    """New versions should reach a fraction of traffic first: Argo Rollouts (canary/
    blueGreen) or OpenKruise Rollouts, Flagger Canary, SMI TrafficSplit, NGINX canary
    ingresses, or weighted routing (Istio VirtualService, Gateway API HTTPRoute, Traefik,
    Knative) anywhere in the manifests → pass; none → fail; no Kubernetes → n/a."""
    if not repo.kubernetes.present:
        return not_applicable("no Kubernetes manifests")
    kinds = ("Rollout", "Canary", "TrafficSplit", "Ingress", "VirtualService", "HTTPRoute", "TraefikService", "Service")
    evidence = []
    for obj in repo.kubernetes.anywhere(*kinds):
        found = _progressive(obj)
        if found:
            evidence.append(Evidence(obj.path, found[1], f"{obj.ref}: {found[0]}", True))
    if evidence:
        return passed(f"progressive delivery configured ({plural(len(evidence), 'object')})", evidence)
    deployments = repo.kubernetes.unique_objects("Deployment")
    context = [Evidence(o.path, o.line_of("spec", "strategy") if "strategy" in o.spec else o.line,
                        f"{o.ref}: plain {str(as_dict(o.spec.get('strategy')).get('type') or 'RollingUpdate')} update", False)
               for o in deployments[:5]]
    return failed("no canary, blue-green or weighted routing", context or [Evidence(None, None, "no Rollout, Canary or weighted route found", False)])
