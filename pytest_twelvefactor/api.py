"""The public API for teams that add their own checks.

Everything a conftest needs: :class:`CustomItem` to register an item, the
verdict helpers and :class:`Evidence` to build results. See docs/extending.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .results import Evidence, Result, Verdict, failed, not_applicable, partial, passed, tally

__all__ = [
    "CustomItem", "Evidence", "Result", "Verdict", "failed", "not_applicable", "partial", "passed", "tally",
]


@dataclass(frozen=True)
class CustomItem:
    """A team's own checklist item.

    ``id`` is ``<area>.<slug>``; the area is a built-in one (``security``,
    ``factor05`` …) or a new one, described by ``area_title``. ``evaluator``
    takes the repository model and returns a :class:`Result`.
    """

    id: str
    title: str
    evaluator: Callable[..., Result]
    remediation: str = ""
    rationale: str = ""
    weight: float = 1.0
    severity: str = "medium"
    area_title: str | None = None
    title_ko: str | None = None
    peers: dict = field(default_factory=dict)

    @property
    def area(self) -> str:
        return self.id.partition(".")[0]
