"""``[tool.twelvefactor]``: waivers, weights, policy knobs and option defaults.

Read from the audited root's ``pyproject.toml`` (also when pytest runs
elsewhere with ``--twelvefactor-root``) and validated strictly: a typo in a
team's policy must be a clear usage error naming the file and key, never a
silently ignored setting and never a traceback.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

OPTION_KEYS = {"strict": bool, "only": bool, "json": str, "render": bool, "md": str, "sarif": str, "lang": str, "baseline": str}
POLICY_KEYS = {
    "cpu_limits_required": bool,
    "environments": list,
    "backing_images": list,
    "staging_names": list,
}
TOP_KEYS = set(OPTION_KEYS) | set(POLICY_KEYS) | {"waive", "weights"}


class ConfigError(Exception):
    """A usage error in the team's configuration; the message names file and key."""


@dataclass(frozen=True)
class Waiver:
    item_id: str
    reason: str
    expires: dt.date | None = None
    owner: str | None = None
    source: str = "pyproject.toml"

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def to_dict(self) -> dict:
        data = {"item": self.item_id, "reason": self.reason, "source": self.source}
        if self.expires:
            data["expires"] = self.expires.isoformat()
        if self.owner:
            data["owner"] = self.owner
        return data


@dataclass
class Settings:
    path: Path | None = None
    waivers: dict[str, Waiver] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    policy: dict = field(default_factory=dict)


def load_settings(root: Path, known_items: set[str], known_areas: set[str]) -> Settings:
    path = root / "pyproject.toml"
    if not path.is_file():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The audited repository's own pyproject being broken is a finding, not a usage error.
        return Settings(path=path, options={"_error": f"{path.name}: {exc}"})
    table = data.get("tool", {}).get("twelvefactor") if isinstance(data.get("tool"), dict) else None
    if table is None:
        return Settings(path=path)
    where = f"{path} [tool.twelvefactor]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = sorted(set(table) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TOP_KEYS))})")
    settings = Settings(path=path)
    for key, kind in {**OPTION_KEYS, **POLICY_KEYS}.items():
        if key in table:
            if not isinstance(table[key], kind):
                raise ConfigError(f"{where}: {key} must be a {kind.__name__}")
            (settings.options if key in OPTION_KEYS else settings.policy)[key] = table[key]
    for item_id, spec in (table.get("waive") or {}).items():
        settings.waivers[item_id] = _waiver(item_id, spec, where, known_items)
    for target, weight in (table.get("weights") or {}).items():
        if target not in known_items and target not in known_areas:
            raise ConfigError(f"{where}.weights: unknown item or area {target!r}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise ConfigError(f"{where}.weights.{target}: weight must be a number >= 0, got {weight!r}")
        settings.weights[target] = float(weight)
    return settings


def _waiver(item_id: str, spec, where: str, known_items: set[str]) -> Waiver:
    key = f'{where}.waive."{item_id}"'
    if item_id not in known_items:
        raise ConfigError(f"{key}: unknown item id {item_id!r}")
    if not isinstance(spec, dict):
        raise ConfigError(f"{key}: must be a table with a reason")
    unknown = sorted(set(spec) - {"reason", "expires", "owner"})
    if unknown:
        raise ConfigError(f"{key}: unknown key {unknown[0]!r} (known: expires, owner, reason)")
    reason = spec.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{key}: a waiver needs a non-empty reason")
    expires = spec.get("expires")
    if expires is not None:
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        elif isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(f"{key}.expires: not an ISO date (YYYY-MM-DD): {expires!r}") from None
        elif not isinstance(expires, dt.date):
            raise ConfigError(f"{key}.expires: not an ISO date (YYYY-MM-DD): {expires!r}")
    owner = spec.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise ConfigError(f"{key}.owner: must be a string")
    return Waiver(item_id, reason.strip(), expires, owner)
