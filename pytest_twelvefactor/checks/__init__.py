"""Evaluators: one small function per checklist item, registered by id.

An evaluator takes the :class:`~pytest_twelvefactor.model.repository.Repository`
and returns a :class:`~pytest_twelvefactor.results.Result`. It never opens
files, never raises on odd input (unknown shapes are skipped or reported as
neutral evidence), and says n/a with the reason when it cannot decide.
Items the checklist defines "as X" have no evaluator of their own: the
catalog's ``same_as`` points them at X's.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from ..results import Result

Evaluator = Callable[..., Result]
EVALUATORS: dict[str, Evaluator] = {}


def check(item_id: str) -> Callable[[Evaluator], Evaluator]:
    def register(func: Evaluator) -> Evaluator:
        known = EVALUATORS.get(item_id)
        if known is not None and _qualname(known) != _qualname(func):  # a module re-import is fine
            raise ValueError(f"two evaluators for {item_id}: {_qualname(known)} and {_qualname(func)}")
        EVALUATORS[item_id] = func
        func.item_id = item_id  # type: ignore[attr-defined]
        return func

    return register


def _qualname(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def load_builtin() -> dict[str, Evaluator]:
    """Import every evaluator module of this package (once)."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "common":
            importlib.import_module(f"{__name__}.{info.name}")
    return EVALUATORS
