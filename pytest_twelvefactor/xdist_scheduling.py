"""xdist scheduling for fleet runs: one work unit per audited app.

An app's items share one repository model; spreading them over workers
parses the app once per worker. With ``--dist loadgroup`` or ``--dist
loadscope`` in a fleet run, each app's items go to one worker together
(other tests keep xdist's own grouping).
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling


class AppScopeScheduling(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith("twelvefactor::"):
            return "::".join(nodeid.split("@", 1)[0].split("::")[:2])
        if nodeid.rfind("@") > nodeid.rfind("]"):
            return nodeid.split("@")[-1]
        return super()._split_scope(nodeid)
