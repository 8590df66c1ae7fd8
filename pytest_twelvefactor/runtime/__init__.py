"""Runtime evidence (opt-in): the running app observed through a testinfra host.

``--twelvefactor-host SPEC`` turns it on. Nothing in this package is imported
without that option, and :mod:`testinfra` is imported only by
:mod:`.target`, when a host is actually contacted.

- :mod:`.hints`: what the static model says the runtime should show (process
  command, declared port and bind address, health route, grace period).
- :mod:`.target`: a testinfra host with timeouts and explained failures.
- :mod:`.probes`: one small function per runtime check, returning a
  :class:`.merge.Finding` (evidence, or n/a with the reason).
- :mod:`.merge`: a static :class:`~pytest_twelvefactor.results.Result` combined
  with a finding: runtime evidence marked ``runtime:``, disagreement said
  explicitly, the runtime truth taken.
- :mod:`.context`: the session's options and the per-app probe run (once per
  session, shared by xdist workers through a lock file).
"""

from __future__ import annotations

# Catalog items with ``runtime: true`` and the probe whose finding each one merges.
ITEM_PROBES = {
    "containerization.non-root": "non_root",
    "security.non-root": "non_root",
    "factor07.self-binding": "self_binding",
    "observability.health-endpoint": "health",
    "factor11.aggregation": "log_files",
    "factor09.sigterm": "sigterm",
    "factor09.graceful-shutdown": "sigterm",
    "factor09.fast-startup": "startup",
}

DISRUPTIVE_PROBES = frozenset({"sigterm", "startup"})
