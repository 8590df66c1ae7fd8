"""One small function per runtime check, each returning a :class:`~.merge.Finding`.

Every command runs on the target through :class:`~.target.Target` (a
testinfra host) with POSIX shell and common tools only: ``ps`` or ``/proc``
for processes, ``ss`` or ``netstat`` for sockets, ``curl``, ``wget`` or
``python3`` for HTTP, ``kill`` for signals. A probe that cannot answer says
n/a with the reason; it never raises.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from dataclasses import dataclass

from ..results import Verdict
from .merge import Finding, judged, observed, unanswered
from .target import Target, TargetError

MAX_LISTED = 8
POLL = 0.05

# ---------------------------------------------------------------------------------------------- processes

_PS = "ps -ww -eo pid=,ppid=,uid=,user=,stat=,args= 2>/dev/null"
# /proc fallback for images without procps (busybox ps has no -o uid): shell builtins only.
_PROC_SCAN = (
    "for d in /proc/[0-9]*; do p=${d#/proc/}; u=; pp=; st=; "
    "while read k v r; do case \"$k\" in Uid:) u=$v;; PPid:) pp=$v;; State:) st=$v;; esac; done < $d/status 2>/dev/null; "
    "[ -n \"$u\" ] || continue; a=$(tr '\\000' ' ' < $d/cmdline 2>/dev/null); "
    "echo \"$p $pp $u - $st $a\"; done"
)


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    uid: int | None
    user: str
    stat: str
    args: str

    @property
    def label(self) -> str:
        words = self.args.split()
        if not words:
            return "?"
        shown = [os.path.basename(words[0])]
        if re.match(r"^(python[\d.]*|node|ruby|java|sh|bash|dash)$", shown[0]) and len(words) > 1:
            nxt = words[1]
            shown.append(os.path.basename(words[2]) if nxt in ("-m", "-c") and len(words) > 2 else os.path.basename(nxt))
        text = " ".join(shown)
        return text if len(text) <= 48 else text[:47] + "…"

    def who(self) -> str:
        return f"process {self.pid} ({self.label})"


def _parse_processes(text: str) -> list[Proc]:
    out = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5 or not parts[0].isdigit():
            continue
        pid, ppid, uid, user, stat = parts[:5]
        args = parts[5] if len(parts) > 5 else ""
        out.append(Proc(int(pid), int(ppid) if ppid.isdigit() else 0, int(uid) if uid.isdigit() else None,
                        "" if user == "-" else user, stat, args.strip()))
    return out


def list_processes(target: Target) -> list[Proc]:
    """Every process on the target (raises TargetError when neither ps nor /proc answers)."""
    out = target.run(_PS)
    procs = _parse_processes(out.stdout) if out.rc == 0 else []
    if not procs:
        scan = target.run(_PROC_SCAN)
        procs = _parse_processes(scan.stdout)
        if not procs:
            detail = " ".join((scan.stderr or out.stderr).split())[:200]
            raise TargetError(f"cannot list processes on {target.spec}: neither `ps -eo` nor /proc answered"
                              + (f" ({detail})" if detail else ""))
    return procs


def _own_lineage() -> set[int]:
    """This process and its ancestors (a local target must not audit the auditor)."""
    pids, pid = set(), os.getpid()
    for _ in range(64):
        if pid <= 1 or pid in pids:
            break
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    pids.add(os.getppid())
    return pids


@dataclass
class App:
    """The app's processes on the target: every match, and the roots (whose parent is no match)."""

    pattern: str
    matched: list[Proc]
    every: list[Proc]

    @property
    def roots(self) -> list[Proc]:
        pids = {p.pid for p in self.matched}
        return [p for p in self.matched if p.ppid not in pids]

    def family(self) -> set[int]:
        """Matched processes and all their descendants (workers a server forked)."""
        children: dict[int, list[int]] = {}
        for p in self.every:
            children.setdefault(p.ppid, []).append(p.pid)
        out, todo = set(), [p.pid for p in self.matched]
        while todo:
            pid = todo.pop()
            if pid not in out:
                out.add(pid)
                todo.extend(children.get(pid, []))
        return out


def find_app(target: Target, pattern: str) -> App:
    regex = re.compile(pattern)
    every = list_processes(target)
    skip = _own_lineage() if target.is_local else set()
    matched = [
        p for p in every
        if p.pid not in skip and "--twelvefactor" not in p.args and not p.stat.startswith("Z") and regex.search(p.args)
    ]
    return App(pattern, matched, every)


# ---------------------------------------------------------------------------------------------- non-root

def non_root(app: App) -> Finding:
    """Each process of the app runs as a uid other than 0."""
    if not app.matched:
        return unanswered(f"no process matches {app.pattern!r}")
    evidence = []
    for proc in app.matched[:MAX_LISTED]:
        if proc.uid is None:
            evidence.append(observed(f"{proc.who()}: uid unknown", None))
            continue
        name = f" ({proc.user})" if proc.user and not proc.user.isdigit() else ""
        evidence.append(observed(f"{proc.who()} runs as uid {proc.uid}{name}", proc.uid != 0))
    if len(app.matched) > MAX_LISTED:
        rest = app.matched[MAX_LISTED:]
        root = sum(1 for p in rest if p.uid == 0)
        evidence.append(observed(f"{len(rest)} more matching processes, {root} of them as uid 0", False if root else True))
    return judged(evidence, subject="observed processes", na_reason="the uid of no matching process could be read",
                  all_ok="no observed process runs as root", none_ok="every observed process runs as root (uid 0)")


# ---------------------------------------------------------------------------------------------- sockets

@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    pid: int | None
    program: str

    @property
    def wildcard(self) -> bool:
        return self.address in ("0.0.0.0", "*", "::", "", "[::]")

    @property
    def loopback(self) -> bool:
        return self.address.startswith("127.") or self.address in ("::1", "localhost") or self.address.endswith("ffff:127.0.0.1")

    def where(self) -> str:
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{address}:{self.port}"


_SS_USERS = re.compile(r'\("([^"]*)",pid=(\d+)')
_NETSTAT_PID = re.compile(r"(\d+)/(\S+)")


def _split_address(text: str) -> tuple[str, int] | None:
    address, _, port = text.rpartition(":")
    if not port.isdigit():
        return None
    address = address.strip("[]")
    address = address.split("%", 1)[0]
    return address, int(port)


def parse_ss(text: str) -> list[Listener]:
    out = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] != "LISTEN" or len(parts) < 4:
            continue
        split = _split_address(parts[3])
        if split is None:
            continue
        users = _SS_USERS.search(line)
        out.append(Listener(split[0], split[1], int(users.group(2)) if users else None, users.group(1) if users else ""))
    return out


def parse_netstat(text: str) -> list[Listener]:
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or not parts[0].startswith("tcp") or "LISTEN" not in parts:
            continue
        split = _split_address(parts[3])
        if split is None:
            continue
        after = parts[parts.index("LISTEN") + 1:]
        owner = _NETSTAT_PID.match(after[0]) if after else None
        out.append(Listener(split[0], split[1], int(owner.group(1)) if owner else None, owner.group(2) if owner else ""))
    return out


def listeners(target: Target) -> list[Listener]:
    """Listening TCP sockets (raises TargetError when the target has neither ss nor netstat)."""
    out = target.run("if command -v ss >/dev/null 2>&1; then echo TOOL=ss; ss -ltnp 2>/dev/null; "
                     "elif command -v netstat >/dev/null 2>&1; then echo TOOL=netstat; netstat -ltnp 2>/dev/null; "
                     "else echo TOOL=none; fi")
    first = out.stdout.split("\n", 1)[0].strip()
    if first == "TOOL=ss":
        return parse_ss(out.stdout)
    if first == "TOOL=netstat":
        return parse_netstat(out.stdout)
    if first == "TOOL=none":
        raise TargetError(f"neither ss nor netstat on {target.spec}; sockets cannot be listed")
    raise TargetError(f"cannot list sockets on {target.spec} (exit {out.rc}: {' '.join(out.stderr.split())[:200]})")


def self_binding(target: Target, app: App, hints) -> Finding:
    """The web process listens on the declared port, on the interfaces the manifests expect."""
    if not app.matched:
        return unanswered(f"no process matches {app.pattern!r}")
    try:
        sockets = listeners(target)
    except TargetError as exc:
        return unanswered(str(exc))
    family = app.family()
    owned = [s for s in sockets if s.pid in family]
    owners_known = any(s.pid is not None for s in sockets)
    declared = [p for p, _ in hints.ports]
    declared_at = hints.ports[0][1] if hints.ports else ""
    expected, expected_at = hints.bind_host if hints.bind_host else (None, "")
    expect_all = (expected is None and hints.containerized) or expected in ("0.0.0.0", "::", "*", "")
    names = {p.pid: p for p in app.every}
    evidence = []
    on_port = [s for s in (owned if owners_known else sockets) if s.port in declared]
    if declared and not on_port:
        others = ", ".join(sorted({s.where() for s in owned})) or "no TCP port"
        who = ", ".join(p.who() for p in app.roots[:3])
        return judged([observed(f"{who} listens on {others}, not on the declared port "
                                f"{', '.join(map(str, declared))} ({declared_at})", False)], subject="web processes")
    if not declared:
        if not owned:
            return unanswered("no port declared in the static model and no matching process listens on a TCP port"
                              + ("" if owners_known else " (socket owners are not visible: run the audit with more privileges)"))
        on_port = owned
    for sock in on_port[:MAX_LISTED]:
        owner = names.get(sock.pid)
        who = owner.who() if owner else (f"process {sock.pid} ({sock.program})" if sock.pid else "a process (owner not visible)")
        port_note = f"the declared port ({declared_at})" if declared else "no port declared in the static model"
        if sock.loopback and expect_all:
            why = f"the manifests expect all interfaces ({expected} at {expected_at})" if expected else \
                "a containerized app must bind all interfaces to be reachable through its port"
            evidence.append(observed(f"{who} listens on {sock.where()} only (loopback); {why}", False))
        elif expected and not expect_all and not sock.wildcard and sock.address != expected:
            evidence.append(observed(f"{who} listens on {sock.where()}, not on {expected} ({expected_at})", False))
        else:
            bind = "all interfaces" if sock.wildcard else sock.address
            declared_bind = f", as declared ({expected} at {expected_at})" if expected else ""
            evidence.append(observed(f"{who} listens on {sock.where()} — {port_note}; binds {bind}{declared_bind}", True))
    return judged(evidence, subject="listening sockets of the app",
                  all_ok="the app listens on its declared port" if declared else "the app binds its own port")


# ---------------------------------------------------------------------------------------------- HTTP

def _http_command(url: str, timeout: float) -> str:
    q = shlex.quote(url)
    t = max(1, int(round(timeout)))
    py = ("import sys,urllib.request,urllib.error\n"
          "try:\n print(urllib.request.urlopen(sys.argv[1],timeout=float(sys.argv[2])).status)\n"
          "except urllib.error.HTTPError as e:\n print(e.code)\n"
          "except Exception as e:\n print('000', type(e).__name__, e)")
    return (
        f"if command -v curl >/dev/null 2>&1; then c=$(curl -s -o /dev/null -m {t} -w '%{{http_code}}' {q}); r=$?; echo \"HTTP $c curl $r\"; "
        f"elif command -v wget >/dev/null 2>&1; then c=$(wget -q -S -O /dev/null -T {t} {q} 2>&1 | "
        f"while read a b r; do case \"$a\" in HTTP/*) echo $b;; esac; done | tail -n 1); r=$?; echo \"HTTP ${{c:-000}} wget $r\"; "
        f"elif command -v python3 >/dev/null 2>&1; then echo \"HTTP $(python3 -c {shlex.quote(py)} {q} {t}) python3\"; "
        f"else echo NOTOOL; fi"
    )


def http_status(target: Target, url: str, timeout: float = 5.0) -> tuple[int | None, str]:
    """(status, detail) of a GET on the target; status None when nothing answered."""
    out = target.run(_http_command(url, timeout), timeout=timeout + 15)
    text = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if text == "NOTOOL":
        raise TargetError(f"no HTTP client on {target.spec} (curl, wget or python3 is needed to call the health URL)")
    match = re.match(r"HTTP (\d{3})\b ?(.*)", text)
    if not match:
        raise TargetError(f"cannot call {url} on {target.spec} (exit {out.rc}: {' '.join((out.stderr or text).split())[:200]})")
    code = int(match.group(1))
    if code == 0:
        detail = match.group(2).strip()
        known = {"curl 7": "connection refused", "curl 28": "timed out", "curl 6": "host not resolved", "wget 4": "network failure"}
        return None, known.get(detail, detail or "no answer")
    return code, ""


def health(target: Target, url: str | None, app: App | None) -> Finding:
    if not url:
        return unanswered("no health URL: the static model declares no port or no health route; give --twelvefactor-health-url")
    try:
        code, detail = http_status(target, url)
    except TargetError as exc:
        return unanswered(str(exc))
    if code is None:
        if app is not None and not app.matched:
            return unanswered(f"the app does not seem to run: nothing answers at {url} and no process matches {app.pattern!r}")
        return judged([observed(f"nothing answers at {url} ({detail})", False)], subject="health URLs",
                      none_ok=f"the health route does not answer ({url})")
    return judged([observed(f"GET {url} answered {code}", code == 200)], subject="health URLs",
                  all_ok=f"the health route answers 200 ({url})", none_ok=f"the health route answers {code}, not 200 ({url})")


# ---------------------------------------------------------------------------------------------- log files

_LOG_NAME = re.compile(r"(\.log(\.\d+)?|\.out|\.err)$|/logs?/", re.I)
_FD_SCAN = (
    "for f in /proc/{pid}/fd/*; do t=$(readlink \"$f\" 2>/dev/null) || continue; n=${{f##*/}}; "
    "fl=; while read k v r; do [ \"$k\" = flags: ] && fl=$v; done < /proc/{pid}/fdinfo/$n 2>/dev/null; "
    "echo \"FD $n $fl $t\"; done; echo CWD $(readlink /proc/{pid}/cwd 2>/dev/null)"
)


def _open_files(target: Target, pid: int) -> tuple[list[tuple[str, bool]], str]:
    """(path, opened for writing) of the regular files a process holds open, and its cwd."""
    out = target.run(f"ls /proc/{pid}/fd >/dev/null || exit 3; " + _FD_SCAN.format(pid=pid))
    if out.rc != 0:
        detail = " ".join(out.stderr.split())[:200]
        if "ermission denied" in detail or "not permitted" in detail:
            raise TargetError(f"permission denied reading /proc/{pid}/fd on {target.spec}; run the audit as the app's user or root")
        raise TargetError(f"cannot read the open files of process {pid} on {target.spec} ({detail or f'exit {out.rc}'})")
    files, cwd = [], ""
    for line in out.stdout.splitlines():
        if line.startswith("CWD "):
            cwd = line[4:].strip()
            continue
        parts = line.split(" ", 3)
        if len(parts) < 4 or parts[0] != "FD":
            continue
        flags, path = parts[2], parts[3]
        if not path.startswith("/") or path.startswith(("/dev/", "/proc/", "/sys/")) or path.endswith(" (deleted)"):
            continue
        try:
            writing = (int(flags, 8) & 0o3) in (1, 2) if flags else True
        except ValueError:
            writing = True
        files.append((path, writing))
    return files, cwd


def log_files(target: Target, app: App) -> Finding:
    """No process of the app holds a log file open for writing."""
    if not app.matched:
        return unanswered(f"no process matches {app.pattern!r}")
    family = app.family()
    procs = [p for p in app.every if p.pid in family]
    evidence, errors, clean = [], [], []
    for proc in procs[:MAX_LISTED * 4]:
        try:
            files, cwd = _open_files(target, proc.pid)
        except TargetError as exc:
            errors.append(str(exc))
            continue
        logs = sorted({path for path, writing in files if writing and _LOG_NAME.search(path)})
        for path in logs[:MAX_LISTED]:
            inside = f" (under its working directory {cwd})" if cwd and path.startswith(cwd.rstrip("/") + "/") else ""
            evidence.append(observed(f"{proc.who()} writes the log file {path}{inside}", False))
        if not logs and proc in app.matched:
            clean.append(proc)
    if clean:
        pids = ", ".join(str(p.pid) for p in clean[:MAX_LISTED]) + (" …" if len(clean) > MAX_LISTED else "")
        what = clean[0].who() if len(clean) == 1 else f"{len(clean)} processes ({pids})"
        evidence.append(observed(f"{what} {'has' if len(clean) == 1 else 'have'} no log file open for writing", True))
    if not evidence and errors:
        return unanswered(errors[0])
    finding = judged(evidence, subject="observed processes", weak=True,
                     all_ok="no observed process writes a log file", none_ok="the app writes log files")
    if finding.verdict is Verdict.PARTIAL:  # factor11.aggregation has no partial: any log file fails it
        bad = sum(1 for e in evidence if e.ok is False)
        return Finding(Verdict.FAIL, f"the app writes {bad} log file{'s' if bad != 1 else ''}", finding.evidence)
    return finding


# ---------------------------------------------------------------------------------------------- SIGTERM

def _state_command(pids: list[int]) -> str:
    """One line per pid: ``<pid> <state> <start time>`` (``gone`` when it no longer exists)."""
    checks = []
    for pid in pids:
        checks.append(
            f"p={pid}; if [ -r /proc/$p/stat ]; then l=; read -r l < /proc/$p/stat 2>/dev/null; r=${{l##*) }}; set -- $r; "
            f"echo \"$p ${{1:-gone}} ${{20:-0}}\"; elif [ -d /proc/self ]; then echo \"$p gone 0\"; "
            f"elif kill -0 $p 2>/dev/null; then echo \"$p R 0\"; else echo \"$p gone 0\"; fi"
        )
    return "; ".join(checks)


def _states(target: Target, pids: list[int]) -> dict[int, tuple[str, str]]:
    out = target.run(_state_command(pids))
    if out.rc != 0 and not out.stdout.strip():
        raise TargetError(f"exit {out.rc}: {' '.join(out.stderr.split())[:200]}")
    states = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit():
            states[int(parts[0])] = (parts[1], parts[2])
    return states


def _alive(target: Target, pids: list[int], started_at: dict[int, str] | None = None) -> set[int]:
    """Pids still running: not gone, not a zombie, and not replaced by a new process with the same
    pid (a container's PID 1 restarted in place)."""
    alive = set()
    for pid, (state, start) in _states(target, pids).items():
        if state in ("gone", "Z", "X"):
            continue
        before = (started_at or {}).get(pid, "0")
        if before != "0" and start != "0" and start != before:
            continue
        alive.add(pid)
    return alive


def sigterm(target: Target, app: App, grace: float, grace_at: str) -> Finding:
    """SIGTERM to each root process of the app; each must exit within the grace period.

    Like Kubernetes, processes still running when the grace period ends get SIGKILL."""
    if not app.matched:
        return unanswered(f"no process matches {app.pattern!r}")
    roots = app.roots
    pids = [p.pid for p in roots]
    try:
        started_at = {pid: start for pid, (_state, start) in _states(target, pids).items()}
    except TargetError:
        started_at = {}
    started = time.monotonic()
    out = target.run("kill -TERM " + " ".join(map(str, pids)))
    if out.rc != 0:
        detail = " ".join(out.stderr.split())[:200]
        try:
            still = _alive(target, pids)
        except TargetError:
            still = set(pids)
        if still == set(pids):
            return unanswered(f"cannot send SIGTERM to {', '.join(map(str, pids))} on {target.spec} ({detail or f'exit {out.rc}'})")
    exited: dict[int, float] = {}
    container_gone = False
    deadline = started + grace
    remaining = set(pids)
    while remaining and time.monotonic() < deadline:
        try:
            alive = _alive(target, sorted(remaining), started_at)
        except TargetError:
            if 1 in remaining:  # PID 1 of a container exited: the container stopped with it
                container_gone = True
                alive = set()
            else:
                raise
        now = time.monotonic()
        for pid in remaining - alive:
            exited[pid] = now - started
        remaining = alive
        if remaining:
            time.sleep(POLL)
    killed = sorted(remaining)
    if killed:
        target.run("kill -KILL " + " ".join(map(str, killed)))
    grace_text = f"grace period {grace:g} s ({grace_at})"
    evidence = []
    for proc in roots:
        if proc.pid in exited:
            extra = "; the container stopped with it" if container_gone and proc.pid == 1 else ""
            evidence.append(observed(f"{proc.who()} exited {exited[proc.pid]:.1f} s after SIGTERM, {grace_text}{extra}", True))
        else:
            evidence.append(observed(f"{proc.who()} still running {grace:g} s after SIGTERM, {grace_text}; "
                                     f"sent SIGKILL as Kubernetes would", False))
    return judged(evidence, subject="main processes", all_ok=f"every main process exited within the {grace_text}",
                  none_ok=f"no main process exited within the {grace_text}")


# ---------------------------------------------------------------------------------------------- start-up

def startup(target: Target, start_cmd: str, url: str | None, budget: float, limit: float | None = None) -> Finding:
    """Start the app with the user's command and time it until the health route answers 200."""
    if not url:
        return unanswered("no health URL to tell when the app is ready; give --twelvefactor-health-url")
    limit = limit if limit is not None else budget + 30.0
    try:
        code, _ = http_status(target, url, timeout=2.0)
    except TargetError as exc:
        return unanswered(str(exc))
    if code is not None:
        return unanswered(f"{url} already answers ({code}) before the start command ran; stop the app first "
                          "(the SIGTERM probe does, when selected) so the start-up can be timed")
    launch = f"nohup /bin/sh -c {shlex.quote(start_cmd)} >/dev/null 2>&1 </dev/null & echo STARTED $!"
    started = time.monotonic()
    out = target.run(launch)
    if "STARTED" not in out.stdout:
        return unanswered(f"the start command did not start on {target.spec} (exit {out.rc}: {' '.join(out.stderr.split())[:200]})")
    last = ""
    while time.monotonic() - started < limit:
        try:
            code, detail = http_status(target, url, timeout=2.0)
        except TargetError as exc:
            return unanswered(str(exc))
        if code == 200:
            elapsed = time.monotonic() - started
            ok = elapsed <= budget
            message = (f"ready {elapsed:.1f} s after start (GET {url} answered 200), start-up budget {budget:g} s"
                       + ("" if ok else " exceeded"))
            finding = judged([observed(message, ok)], subject="start-ups",
                             all_ok=f"ready {elapsed:.1f} s after start, within {budget:g} s",
                             none_ok=f"ready only {elapsed:.1f} s after start (budget {budget:g} s)")
            return _no_fail(finding)
        last = f"answered {code}" if code else detail
        time.sleep(0.1)
    return _no_fail(judged([observed(f"not ready {limit:g} s after start (GET {url}: {last or 'no answer'}), "
                                     f"start-up budget {budget:g} s", False)], subject="start-ups",
                           none_ok=f"not ready within {limit:g} s"))


def _no_fail(finding: Finding) -> Finding:
    """factor09.fast-startup has no fail verdict in the checklist: slow start-up is partial."""
    if finding.verdict is Verdict.FAIL:
        return Finding(Verdict.PARTIAL, finding.summary, finding.evidence, finding.weak)
    return finding
