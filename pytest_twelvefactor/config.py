"""``[tool.twelvefactor]``: waivers, weights, severities, gates, policy knobs, option defaults.

Read from the audited root's ``pyproject.toml`` (also when pytest runs
elsewhere with ``--twelvefactor-root``) and validated strictly: a typo in a
team's policy must be a clear usage error naming the file and key, never a
silently ignored setting and never a traceback.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

OPTION_KEYS = {
    "strict": bool, "only": bool, "json": str, "render": bool, "md": str, "sarif": str, "lang": str,
    "baseline": str, "inline_waivers": bool,
}
POLICY_KEYS = {
    "cpu_limits_required": bool,
    "environments": list,
    "backing_images": list,
    "staging_names": list,
}
GATE_FAMILIES = ("overall", "twelve_factor", "cloud_native")
SEVERITIES = ("critical", "high", "medium", "low")
TOP_KEYS = set(OPTION_KEYS) | set(POLICY_KEYS) | {"waive", "weights", "severity", "fail_under", "essential", "apps"}


class ConfigError(Exception):
    """A usage error in the team's configuration; the message names file and key."""


@dataclass(frozen=True)
class Waiver:
    """A recorded decision not to apply an item, to all of it or to one target.

    ``target`` is ``Kind/name`` (a Kubernetes object), ``Kind/name/container``
    (one container of it), or a path glob (``src/legacy/**``); ``None`` waives
    the whole item. Inline waivers come from the audited files themselves.
    """

    item_id: str
    reason: str
    expires: dt.date | None = None
    owner: str | None = None
    target: str | None = None
    source: str = "pyproject.toml"
    line: int | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    @property
    def inline(self) -> bool:
        return self.source != "pyproject.toml"

    def covers(self, evidence) -> bool:
        """Whether a piece of evidence is about this waiver's target."""
        if self.target is None:
            return True
        message = evidence.message or ""
        parts = self.target.split("/")
        if len(parts) >= 2 and parts[0][:1].isupper() and "*" not in self.target:
            ref = "/".join(parts[:2])
            if not (message.startswith(ref + ":") or message.startswith(ref + " ") or f" {ref}:" in message or f" {ref} " in message):
                return False
            if len(parts) == 3:
                return f"container {parts[2]}" in message or f"container '{parts[2]}'" in message
            return True
        return bool(evidence.path) and (fnmatch.fnmatch(evidence.path, self.target) or evidence.path == self.target)

    def to_dict(self) -> dict:
        data = {"item": self.item_id, "reason": self.reason, "source": self.source}
        if self.target:
            data["target"] = self.target
        if self.line:
            data["line"] = self.line
        if self.expires:
            data["expires"] = self.expires.isoformat()
        if self.owner:
            data["owner"] = self.owner
        return data


@dataclass
class Settings:
    path: Path | None = None
    waivers: list[Waiver] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    fail_under: dict[str, float] = field(default_factory=dict)
    essential: list[str] = field(default_factory=list)
    apps: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)
    policy: dict = field(default_factory=dict)

    def waivers_for(self, item_id: str) -> list[Waiver]:
        return [w for w in self.waivers if w.item_id == item_id]


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
    return parse_table(table, f"{path} [tool.twelvefactor]", known_items, known_areas, path)


def parse_table(table, where: str, known_items: set[str], known_areas: set[str], path: Path | None = None) -> Settings:
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
            if kind is list and not all(isinstance(v, str) for v in table[key]):
                raise ConfigError(f"{where}: {key} must be a list of strings")
            (settings.options if key in OPTION_KEYS else settings.policy)[key] = table[key]
    waive = table.get("waive") or {}
    if not isinstance(waive, dict):
        raise ConfigError(f"{where}.waive: must be a table of item ids")
    for item_id, spec in waive.items():
        entries = spec if isinstance(spec, list) else [spec]
        for n, entry in enumerate(entries):
            settings.waivers.append(_waiver(item_id, entry, where, known_items, n if isinstance(spec, list) else None))
    for target, weight in _table(table, "weights", where).items():
        if target not in known_items and target not in known_areas:
            raise ConfigError(f"{where}.weights: unknown item or area {target!r}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise ConfigError(f"{where}.weights.{target}: weight must be a number >= 0, got {weight!r}")
        settings.weights[target] = float(weight)
    for item_id, severity in _table(table, "severity", where).items():
        if item_id not in known_items:
            raise ConfigError(f"{where}.severity: unknown item id {item_id!r}")
        if severity not in SEVERITIES:
            raise ConfigError(f"{where}.severity.{item_id}: must be one of {', '.join(SEVERITIES)}, got {severity!r}")
        settings.severity[item_id] = severity
    for target, threshold in _table(table, "fail_under", where).items():
        if target not in GATE_FAMILIES and target not in known_areas:
            raise ConfigError(f"{where}.fail_under: unknown family or area {target!r} (families: {', '.join(GATE_FAMILIES)})")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 100:
            raise ConfigError(f"{where}.fail_under.{target}: must be a percentage between 0 and 100, got {threshold!r}")
        settings.fail_under[target] = float(threshold)
    essential = table.get("essential", [])
    if not isinstance(essential, list) or not all(isinstance(i, str) for i in essential):
        raise ConfigError(f"{where}.essential: must be a list of item ids")
    for item_id in essential:
        if item_id not in known_items:
            raise ConfigError(f"{where}.essential: unknown item id {item_id!r}")
    settings.essential = list(essential)
    apps = table.get("apps", [])
    if not isinstance(apps, list) or not all(isinstance(a, str) and a.strip() for a in apps):
        raise ConfigError(f"{where}.apps: must be a list of directory globs, e.g. [\"services/*\"]")
    settings.apps = list(apps)
    return settings


def _table(table: dict, key: str, where: str) -> dict:
    value = table.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}.{key}: must be a table")
    return value


def parse_date(value, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{key}: not an ISO date (YYYY-MM-DD): {value!r}")


def _waiver(item_id: str, spec, where: str, known_items: set[str], index: int | None) -> Waiver:
    key = f'{where}.waive."{item_id}"' + (f"[{index}]" if index is not None else "")
    if item_id not in known_items:
        raise ConfigError(f"{key}: unknown item id {item_id!r}")
    if not isinstance(spec, dict):
        raise ConfigError(f"{key}: must be a table with a reason")
    unknown = sorted(set(spec) - {"reason", "expires", "owner", "target"})
    if unknown:
        raise ConfigError(f"{key}: unknown key {unknown[0]!r} (known: expires, owner, reason, target)")
    reason = spec.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{key}: a waiver needs a non-empty reason")
    expires = parse_date(spec["expires"], f"{key}.expires") if spec.get("expires") is not None else None
    owner = spec.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise ConfigError(f"{key}.owner: must be a string")
    target = spec.get("target")
    if target is not None and (not isinstance(target, str) or not target.strip()):
        raise ConfigError(f"{key}.target: must be 'Kind/name', 'Kind/name/container' or a path glob")
    return Waiver(item_id, reason.strip(), expires, owner, target.strip() if target else None)
