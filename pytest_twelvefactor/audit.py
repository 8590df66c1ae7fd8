"""The audit: evaluators applied to one repository, with waivers.

Knows nothing about pytest. An :class:`Audit` evaluates each evaluator once
(items defined "as X" share X's evaluation), applies the team's waivers and
turns evaluator crashes into visible errors instead of verdicts.
"""

from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .catalog import Catalog, Item, load_catalog
from .checks import load_builtin
from .config import Settings, Waiver
from . import waivers as waivers_mod
from .model.repository import Repository
from .results import Evidence, Result, Verdict, rank


@dataclass(frozen=True)
class ItemResult:
    """An item's outcome as every reporter sees it."""

    item_id: str
    area: str
    title: str
    verdict: Verdict
    summary: str
    weight: float
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    evaluated_as: str | None = None
    waiver: dict | None = None
    underlying: str | None = None      # the verdict a waiver changed, or None
    error: str | None = None           # evaluator crash (a bug): shown as a test error

    def strongest(self) -> Evidence | None:
        ranked = rank(self.evidence)
        return ranked[0] if ranked else None

    def to_dict(self) -> dict:
        data = {
            "id": self.item_id,
            "area": self.area,
            "title": self.title,
            "verdict": self.verdict.value,
            "summary": self.summary,
            "weight": self.weight,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": self.remediation,
        }
        if self.evaluated_as:
            data["evaluated_as"] = self.evaluated_as
        if self.waiver:
            data["waiver"] = self.waiver
            data["underlying_verdict"] = self.underlying
        if self.error:
            data["error"] = self.error
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ItemResult":
        return cls(
            item_id=data["id"], area=data["area"], title=data.get("title", data["id"]),
            verdict=Verdict(data["verdict"]), summary=data.get("summary", ""), weight=float(data.get("weight", 1)),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", ())),
            remediation=data.get("remediation", ""), evaluated_as=data.get("evaluated_as"),
            waiver=data.get("waiver"), underlying=data.get("underlying_verdict"), error=data.get("error"),
        )


@dataclass
class Audit:
    root: Path
    settings: Settings = field(default_factory=Settings)
    render: bool = True
    today: dt.date = field(default_factory=dt.date.today)
    catalog: Catalog = field(default_factory=load_catalog)
    extra_evaluators: dict = field(default_factory=dict)
    extra_kinds: dict = field(default_factory=dict)
    runtime: object | None = None  # runtime evidence (pytest_twelvefactor.runtime): .merge(item_id, result, repo) -> Result

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self._results: dict[str, Result | BaseException] = {}
        self.expired_waivers: list[Waiver] = []
        self.used_waivers: set[str] = set()
        self.evaluated: set[str] = set()

    @cached_property
    def repo(self) -> Repository:
        return Repository(self.root, render=self.render, policy=self.settings.policy, extra_kinds=self.extra_kinds)

    @cached_property
    def evaluators(self) -> dict:
        return {**load_builtin(), **self.extra_evaluators}

    def weight_of(self, item: Item) -> float:
        return self.settings.weights.get(item.id, item.weight)

    def _evaluate(self, evaluator_id: str) -> Result | BaseException:
        if evaluator_id not in self._results:
            evaluator = self.evaluators.get(evaluator_id)
            if evaluator is None:
                self._results[evaluator_id] = LookupError(f"no evaluator registered for {evaluator_id}")
            else:
                try:
                    self._results[evaluator_id] = evaluator(self.repo)
                except Exception as exc:  # a bug in an evaluator must not hide other items
                    exc.__twelvefactor_tb__ = traceback.format_exc(limit=6)  # type: ignore[attr-defined]
                    self._results[evaluator_id] = exc
        return self._results[evaluator_id]

    def evaluate(self, item_id: str) -> ItemResult:
        item = self.catalog.item(item_id)
        outcome = self._evaluate(item.evaluator_id)
        base = dict(
            item_id=item.id, area=item.area, title=item.title_in("en"), weight=self.weight_of(item),
            remediation=item.remediation, evaluated_as=item.same_as,
        )
        if isinstance(outcome, BaseException):
            detail = getattr(outcome, "__twelvefactor_tb__", "") or repr(outcome)
            return ItemResult(verdict=Verdict.NA, summary=f"evaluator error: {outcome!r}", error=detail, **base)
        if self.runtime is not None and item.runtime:  # runtime evidence, before waivers
            outcome = self.runtime.merge(item.id, outcome, self.repo)
        result = ItemResult(verdict=outcome.verdict, summary=outcome.summary, evidence=outcome.evidence, **base)
        self.evaluated.add(item.id)
        waivers = self.settings.waivers_for(item.id) + [w for w in self.inline_waivers if w.item_id == item.id]
        return waivers_mod.apply(result, waivers, self.today, self.used_waivers, self.expired_waivers) if waivers else result

    @cached_property
    def inline_waivers(self) -> list[Waiver]:
        if not self.settings.options.get("inline_waivers", True):
            return []
        return waivers_mod.inline_waivers(self.repo, set(self.catalog.by_id()))

    def all_waivers(self) -> list[Waiver]:
        inline = self.inline_waivers if "inline_waivers" in self.__dict__ else []
        return list(self.settings.waivers) + list(inline)

    def evaluate_all(self) -> list[ItemResult]:
        return [self.evaluate(item.id) for item in self.catalog.items]

    def environments(self) -> list[dict]:
        k8s = self.repo.kubernetes
        return [{"name": e.name, "source": e.source, "mode": e.mode, "stage": e.is_stage} for e in k8s.environments]
