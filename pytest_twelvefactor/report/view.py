"""What every human-readable report shows, derived once from a JSON result.

Reports can be rendered during the run or later from a saved result
(``python -m pytest_twelvefactor report``); both go through :class:`ReportView`,
so the terminal, Markdown, HTML and SARIF never disagree.
"""

from __future__ import annotations

from .. import baseline as baseline_mod
from .. import roadmap as roadmap_mod
from ..audit import ItemResult
from ..catalog import Catalog


class ReportView:
    def __init__(self, document: dict, catalog: Catalog, lang: str = "en", baseline: dict | None = None):
        self.document = document
        self.catalog = catalog
        self.lang = lang
        known = catalog.by_id()
        self.results = [ItemResult.from_dict(i) for i in document.get("items", []) if i.get("id") in known]
        self.by_id = {r.item_id: r for r in self.results}
        self.scores = document.get("scores", {})
        if baseline is not None:
            self.comparison = baseline_mod.compare(document, baseline, set(known))
        elif document.get("comparison"):
            self.comparison = baseline_mod.from_dict(document["comparison"])
        else:
            self.comparison = None
        area_weights = document.get("settings", {}).get("area_weights", {})
        self.roadmap = roadmap_mod.build(self.results, catalog, area_weights)

    @property
    def areas(self):
        """Areas that ran, in catalog order."""
        ran = {r.area for r in self.results}
        return [a for a in self.catalog.areas if a.id in ran]

    def area_score(self, area_id: str):
        return self.scores.get("areas", {}).get(area_id)

    def family_score(self, family: str):
        return self.scores.get(family)

    def project_name(self) -> str:
        root = str(self.document.get("root", ""))
        return root.rstrip("/").rsplit("/", 1)[-1] or root
