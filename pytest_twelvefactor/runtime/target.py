"""A testinfra host with timeouts, and failures turned into reasons.

Every command goes through ``testinfra.get_host(spec).run(...)``: the plugin
never calls ``docker``, ``kubectl`` or ``ssh`` itself. Backends such as
``docker://`` and ``kubectl://`` run ``/bin/sh -c`` inside the target, so a
distroless image (no shell), a stopped daemon or a missing pod all surface
here as a :class:`TargetError` whose message is the n/a reason.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

SCHEMES = ("local", "ssh", "safe-ssh", "paramiko", "docker", "podman", "kubectl", "openshift", "lxc", "ansible", "salt",
           "winrm", "chroot")
DEFAULT_TIMEOUT = 30.0


class TargetError(Exception):
    """The target cannot answer; ``str(error)`` is the reason shown as n/a."""


@dataclass(frozen=True)
class Output:
    rc: int
    stdout: str
    stderr: str


def scheme_of(spec: str) -> str:
    return spec.split("://", 1)[0].lower() if "://" in spec else "paramiko"


def check_spec(spec: str) -> str | None:
    """A usage problem with ``spec`` (unknown backend, malformed), or None."""
    if not spec or not spec.strip():
        return "empty host spec"
    if "://" not in spec:
        return f"{spec!r} has no backend; write it as <backend>://<target>, e.g. local://, ssh://user@host, docker://container"
    scheme = scheme_of(spec)
    if scheme not in SCHEMES:
        return f"unknown backend {scheme!r} in {spec!r} (known: {', '.join(SCHEMES)})"
    return None


def _explain(spec: str, rc: int, stderr: str) -> str:
    """A readable reason for a failed connection check."""
    full = " ".join(stderr.split())
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = (lines[-1] if lines else "")[:300]   # clients log noise first and the summary last (kubectl)
    scheme = scheme_of(spec)
    hint = ""
    if re.search(r"/bin/sh.*(no such file|not found)|executable file not found|exec: .?/bin/sh", full, re.I):
        hint = " — the target has no /bin/sh (a distroless or scratch image?); testinfra needs a shell in the target"
    elif re.search(r"cannot connect to the docker daemon|docker daemon.*running|connect: no such file", full, re.I):
        hint = " — no Docker daemon is reachable"
    elif re.search(r"no such container|not found.*container|is not running", text, re.I):
        hint = " — the container does not exist or is not running"
    elif re.search(r"(command not found|not found)$", text, re.I) and scheme in ("docker", "podman", "kubectl", "openshift", "lxc"):
        hint = f" — the {scheme} client is not installed on the auditing machine"
    elif re.search(r"permission denied", text, re.I):
        hint = " — permission denied"
    elif re.search(r"connection refused|server \S+ was refused|unable to connect to the server|no route to host|could not resolve|timed out", text, re.I):
        hint = " — the cluster or host is not reachable"
    return f"host {spec} cannot be reached (exit {rc}: {text or 'no output'}){hint}"


class Target:
    """One testinfra host, contacted lazily; ``reason`` is set when it cannot answer."""

    def __init__(self, spec: str, timeout: float = DEFAULT_TIMEOUT):
        self.spec = spec
        self.timeout = timeout
        self._host = None
        self.reason: str | None = None
        self._checked = False

    @property
    def is_local(self) -> bool:
        return scheme_of(self.spec) == "local"

    def _get_host(self):
        if self._host is None:
            try:
                import testinfra  # only here: testinfra is loaded when a host is contacted
            except ImportError as exc:
                raise TargetError(f"pytest-testinfra is not installed ({exc}); pip install 'pytest-twelvefactor[runtime]'") from None
            try:
                self._host = testinfra.get_host(self.spec)
            except Exception as exc:  # unknown backend, missing paramiko/kubernetes client …
                raise TargetError(f"host {self.spec} cannot be used: {exc}") from None
        return self._host

    def connect(self) -> str | None:
        """Check once that the target runs a shell command; the reason when it does not."""
        if not self._checked:
            self._checked = True
            try:
                out = self.run("echo twelvefactor-ok")
                if out.rc != 0 or "twelvefactor-ok" not in out.stdout:
                    self.reason = _explain(self.spec, out.rc, out.stderr or out.stdout)
            except TargetError as exc:
                self.reason = str(exc)
        return self.reason

    def run(self, command: str, timeout: float | None = None) -> Output:
        """Run a shell command on the target (no ``%`` formatting: build commands with shlex.quote)."""
        host = self._get_host()
        limit = self.timeout if timeout is None else timeout
        box: dict = {}

        def work():
            try:
                box["out"] = host.run(command)
            except BaseException as exc:  # noqa: BLE001 - reported as the reason
                box["error"] = exc

        thread = threading.Thread(target=work, name="twelvefactor-runtime", daemon=True)
        thread.start()
        thread.join(limit)
        if thread.is_alive():
            raise TargetError(f"host {self.spec} did not answer within {limit:g} s")
        if "error" in box:
            exc = box["error"]
            raise TargetError(f"host {self.spec}: {type(exc).__name__}: {exc}")
        out = box["out"]
        return Output(int(out.rc), _text(out, "stdout"), _text(out, "stderr"))


def _text(out, name: str) -> str:
    try:
        return getattr(out, name) or ""
    except Exception:  # undecodable output
        raw = getattr(out, f"{name}_bytes", b"") or b""
        return raw.decode("utf-8", "replace")
