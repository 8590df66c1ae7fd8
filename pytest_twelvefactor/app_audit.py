"""One audited tree inside a pytest session: results, facts, scores, result document.

A session audits one tree, or several (the ``apps`` of a monorepo, repeated
``--twelvefactor-root``): each is an :class:`AppAudit` with its own settings,
repository model, results and scores. Under xdist, workers evaluate and send
their facts; the controller merges them here. No pytest import: the glue
drives this.
"""

from __future__ import annotations

from pathlib import Path

from . import waivers as waivers_mod
from .audit import Audit, ItemResult
from .catalog import Catalog
from .config import Settings
from .report import json_result
from .scoring import compute

FACT_LISTS = ("diagnostics", "environments", "expired", "waivers_used", "evaluated", "waivers")


class AppAudit:
    def __init__(self, name: str | None, root: Path, settings: Settings, *, render: bool = True,
                 custom_evaluators: dict | None = None, extra_kinds: dict | None = None, runtime=None):
        self.name = name
        self.runtime = runtime  # runtime evidence for this tree (pytest_twelvefactor.runtime.context.AppRuntime) or None
        self.root = root
        self.settings = settings
        self.render = render
        self.custom_evaluators = dict(custom_evaluators or {})
        self.extra_kinds = dict(extra_kinds or {})
        self.results: dict[str, ItemResult] = {}
        self.from_workers: list[dict] = []
        self._audit: Audit | None = None
        self.gate_failures: list[str] = []
        self.view = None

    def audit(self, catalog: Catalog) -> Audit:
        if self._audit is None:
            self._audit = Audit(self.root, self.settings, render=self.render, catalog=catalog,
                                extra_evaluators=self.custom_evaluators, extra_kinds=self.extra_kinds, runtime=self.runtime)
        return self._audit

    def ordered_results(self, catalog: Catalog) -> list[ItemResult]:
        order = {item.id: n for n, item in enumerate(catalog.items)}
        return sorted(self.results.values(), key=lambda r: order.get(r.item_id, 10**6))

    def area_weights(self, catalog: Catalog) -> dict[str, float]:
        areas = {a.id for a in catalog.areas}
        return {k: v for k, v in self.settings.weights.items() if k in areas}

    def scores(self, catalog: Catalog):
        return compute(self.ordered_results(catalog), catalog, self.area_weights(catalog))

    def local_facts(self) -> dict:
        """What this process learnt about the tree (only the parts its items needed)."""
        facts = {key: [] for key in FACT_LISTS}
        facts["judged"] = None
        audit = self._audit
        if audit is None or "repo" not in audit.__dict__:
            return facts
        repo = audit.repo
        facts["diagnostics"] = [d.to_dict() for d in repo.diagnostics_sorted()]
        facts["expired"] = [w.to_dict() for w in audit.expired_waivers]
        facts["waivers_used"] = sorted(audit.used_waivers)
        facts["evaluated"] = sorted(audit.evaluated)
        facts["waivers"] = [[waivers_mod.key(w), w.to_dict()] for w in audit.all_waivers()]
        if "kubernetes" in repo.__dict__:
            facts["environments"] = audit.environments()
            facts["judged"] = repo.judged_deployment
        return facts

    def facts(self) -> dict:
        """Local facts merged with those xdist workers sent, in a stable order."""
        merged = self.local_facts()
        for other in self.from_workers:
            for key in FACT_LISTS:
                merged[key] += [x for x in other.get(key, []) if x not in merged[key]]
            merged["judged"] = merged["judged"] or other.get("judged")
        merged["diagnostics"].sort(key=lambda d: (d["path"], d["message"]))
        merged["environments"].sort(key=lambda e: (e["name"], e["source"]))
        merged["expired"].sort(key=lambda w: (w["item"], w.get("target") or ""))
        used, evaluated = set(merged["waivers_used"]), set(merged["evaluated"])
        expired = {_identity(w) for w in merged["expired"]}
        declared = {key: waiver for key, waiver in merged["waivers"]}
        merged["unused"] = sorted(
            (w for key, w in declared.items() if key not in used and w["item"] in evaluated and _identity(w) not in expired),
            key=lambda w: (w["item"], w.get("target") or "", w.get("source") or ""),
        )
        return merged

    def document(self, catalog: Catalog, started) -> dict:
        facts = self.facts()
        document = json_result.build(
            root=self.root, results=self.ordered_results(catalog), scores=self.scores(catalog), catalog=catalog,
            environments=facts["environments"], diagnostics=facts["diagnostics"], judged=facts["judged"],
            started=started, settings={"area_weights": self.area_weights(catalog)},
        )
        if self.name is not None:
            document["app"] = self.name
        return document


def _identity(waiver: dict) -> tuple:
    return (waiver["item"], waiver.get("target"), waiver.get("source"), waiver.get("line"))
