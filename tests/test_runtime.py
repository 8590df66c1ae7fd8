"""Runtime evidence (--twelvefactor-host): real processes on loopback audited through local://.

The apps are tests/runtime_app/web.py and worker.py (stdlib only). Each test starts its own
processes on a free port with a unique tag in their command line, so parallel tests never see
each other's processes, and kills everything it started (or the audit started) in a finalizer.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from pytest_twelvefactor.results import Evidence, Result, Verdict, failed, not_applicable, passed
from pytest_twelvefactor.runtime import ITEM_PROBES
from pytest_twelvefactor.runtime.hints import derive, parse_duration, program_of
from pytest_twelvefactor.runtime.merge import Finding, judged, merge, observed, unanswered
from pytest_twelvefactor.runtime.probes import parse_netstat, parse_ss
from pytest_twelvefactor.runtime.target import Target, check_spec

APP = Path(__file__).parent / "runtime_app"
RUNTIME_ITEMS = sorted(ITEM_PROBES)
LINUX = sys.platform.startswith("linux") and Path("/proc/self/fd").is_dir()
HAS_SOCKET_TOOL = bool(shutil.which("ss") or shutil.which("netstat"))
needs_linux = pytest.mark.skipif(not LINUX, reason="the local probes read /proc")
needs_sockets = pytest.mark.skipif(not HAS_SOCKET_TOOL, reason="neither ss nor netstat on this machine")


# ------------------------------------------------------------------------------------------ helpers

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_health(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"the test app on port {port} was not ready within {timeout} s")


def _unprivileged() -> tuple[str, dict]:
    """A Python and Popen keywords that run an app as a non-root user (when this test runs as root)."""
    if os.geteuid() != 0:
        return sys.executable, {}
    python = shutil.which("python3", path="/usr/bin:/bin:/usr/local/bin")
    if python:
        try:
            check = subprocess.run([python, "-c", f"open({str(APP / 'web.py')!r}).close()"], user=65534, group=65534,
                                   capture_output=True, timeout=30)
            if check.returncode == 0:
                return python, {"user": 65534, "group": 65534}
        except (OSError, subprocess.SubprocessError):
            pass
    return sys.executable, {}


class Launcher:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.tag = uuid.uuid4().hex[:12]
        self.procs: list[subprocess.Popen] = []
        self.pidfile = tmp / "started.pids"

    @property
    def pattern(self) -> str:
        return rf"runtime_app/(web|worker)\.py .*--tag {self.tag}"

    def start(self, script: str, *args: str, python: str = sys.executable, cwd: Path | None = None, **popen) -> subprocess.Popen:
        proc = subprocess.Popen([python, str(APP / script), *args, "--tag", self.tag], cwd=str(cwd or APP),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
        self.procs.append(proc)
        return proc

    def start_cmd(self, *args: str, cwd: Path) -> str:
        words = [sys.executable, str(APP / "web.py"), *args, "--tag", self.tag, "--pidfile", str(self.pidfile)]
        return f"cd {shlex.quote(str(cwd))} && exec " + " ".join(shlex.quote(w) for w in words)

    def cleanup(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.pidfile.is_file():
            for line in self.pidfile.read_text().split():
                try:
                    os.kill(int(line), signal.SIGKILL)
                except (ValueError, OSError):
                    pass


@pytest.fixture
def launcher(tmp_path):
    launched = Launcher(tmp_path)
    yield launched
    launched.cleanup()


def write_app_repo(root: Path, *, port: int, grace: int, host: str) -> None:
    """A small app repository: Dockerfile (USER 10001, CMD binding ``host:port``), a web and a worker
    Deployment (runAsNonRoot, readinessProbe /health, terminationGracePeriodSeconds ``grace``)."""
    files = {
        "Dockerfile": f"""
            FROM python:3.12-slim
            RUN useradd --uid 10001 app
            WORKDIR /app
            COPY . /app
            USER 10001
            EXPOSE {port}
            CMD ["python", "web.py", "--host", "{host}", "--port", "{port}"]
        """,
        "web.py": f"""
            import http.server
            import logging
            import signal

            logging.basicConfig()


            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == "/health":
                        self.send_response(200)
                        self.end_headers()


            def main():
                server = http.server.ThreadingHTTPServer(("{host}", {port}), Handler)
                signal.signal(signal.SIGTERM, lambda *_: server.shutdown())
                server.serve_forever()


            if __name__ == "__main__":
                main()
        """,
        "worker.py": """
            import signal
            import time

            stopping = []
            signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
            while not stopping:
                time.sleep(1)
        """,
        "k8s/app.yaml": f"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector:
                matchLabels: {{app: web}}
              template:
                metadata:
                  labels: {{app: web}}
                spec:
                  terminationGracePeriodSeconds: {grace}
                  securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
                  containers:
                    - name: web
                      image: registry.example.com/app:1.0.0
                      ports:
                        - containerPort: {port}
                      readinessProbe:
                        httpGet: {{path: /health, port: {port}}}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: worker
            spec:
              replicas: 1
              selector:
                matchLabels: {{app: worker}}
              template:
                metadata:
                  labels: {{app: worker}}
                spec:
                  terminationGracePeriodSeconds: {grace}
                  securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
                  containers:
                    - name: worker
                      image: registry.example.com/app:1.0.0
                      command: ["python", "worker.py"]
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {{app: web}}
              ports:
                - port: 80
                  targetPort: {port}
        """,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def audit(pytester, *args: str, timeout: float = 240) -> tuple[dict, object]:
    """Run the audit of pytester.path in a subprocess; (items by id, run result)."""
    out = pytester.path / "audit.json"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--twelvefactor", "--twelvefactor-only", "--twelvefactor-no-render",
        "--twelvefactor-json", str(out), *args, timeout=timeout,
    )
    assert out.is_file(), result.stdout.str() + result.stderr.str()
    document = json.loads(out.read_text(encoding="utf-8"))
    return {item["id"]: item for item in document["items"]}, result


def runtime_lines(item: dict) -> list[str]:
    return [e["message"] for e in item["evidence"] if e["message"].startswith(("runtime:", "static and runtime disagree"))]


def messages(item: dict) -> str:
    return "\n".join(e["message"] for e in item["evidence"])


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(pid)


# ------------------------------------------------------------------------------------------ end to end

@needs_linux
@needs_sockets
def test_well_behaved_app_measured_evidence(pytester, launcher, tmp_path):
    """Web app + worker that behave: every runtime item shows measured evidence and agrees with the
    static verdict; SIGTERM is sent once even with two xdist workers sharing the run."""
    port = free_port()
    write_app_repo(pytester.path, port=port, grace=30, host="127.0.0.1")
    python, demote = _unprivileged()
    web = launcher.start("web.py", "--host", "127.0.0.1", "--port", str(port), python=python, cwd=APP, **demote)
    worker = launcher.start("worker.py", python=python, cwd=APP, **demote)
    wait_health(port)
    web_uid = uid_of(web.pid)
    non_root = web_uid != 0
    items, result = audit(
        pytester, "-n", "2", "--twelvefactor-host", "local://", "--twelvefactor-process", launcher.pattern,
        "--twelvefactor-disruptive",
        "--twelvefactor-start-cmd", launcher.start_cmd("--host", "127.0.0.1", "--port", str(port), cwd=tmp_path),
    )
    out = result.stdout.str()
    assert "runtime evidence from local://" in out and "disruptive probes on" in out

    # both processes got SIGTERM and exited by themselves
    assert web.wait(timeout=30) == 0 and worker.wait(timeout=30) == 0

    expected = {
        "factor07.self-binding": "pass", "observability.health-endpoint": "pass", "factor11.aggregation": "pass",
        "factor09.sigterm": "pass", "factor09.graceful-shutdown": "pass", "factor09.fast-startup": "pass",
        "containerization.non-root": "pass" if non_root else "fail",
        "security.non-root": "pass" if non_root else "fail",
    }
    assert {i: items[i]["verdict"] for i in RUNTIME_ITEMS} == expected, {i: items[i]["summary"] for i in RUNTIME_ITEMS}

    sig = messages(items["factor09.sigterm"])
    assert f"process {web.pid} (python" in sig and f"process {worker.pid} (python" in sig
    assert sig.count("after SIGTERM, grace period 30 s") == 2 and "exited" in sig
    assert "terminationGracePeriodSeconds of Deployment/web" in sig
    assert "runtime confirms" in items["factor09.sigterm"]["summary"]
    assert messages(items["factor09.graceful-shutdown"]).count("after SIGTERM") == 2
    assert f"GET http://127.0.0.1:{port}/health answered 200" in messages(items["observability.health-endpoint"])
    assert f"listens on 127.0.0.1:{port} — the declared port" in messages(items["factor07.self-binding"])
    assert "no log file open for writing" in messages(items["factor11.aggregation"])
    startup = messages(items["factor09.fast-startup"])
    assert "s after start (GET http://127.0.0.1:" in startup and "start-up budget 30 s" in startup
    uids = messages(items["containerization.non-root"])
    assert f"runtime: process {web.pid} (python" in uids and f"runs as uid {web_uid}" in uids
    if not non_root:
        assert "static and runtime disagree" in uids
    # the app started by --twelvefactor-start-cmd is running and serves
    wait_health(port, timeout=10)


@needs_linux
@needs_sockets
def test_misbehaving_app_disagrees_with_its_manifests(pytester, launcher, tmp_path):
    """Manifests promise 0.0.0.0, non-root, stdout logs and a handled SIGTERM; the web process binds
    loopback, writes a log file, ignores SIGTERM and takes long to become ready."""
    port = free_port()
    work = tmp_path / "work"
    work.mkdir()
    write_app_repo(pytester.path, port=port, grace=3, host="0.0.0.0")
    bad = ("--host", "127.0.0.1", "--port", str(port), "--ignore-sigterm", "--log-file", "app.log", "--startup-delay", "4")
    web = launcher.start("web.py", *bad, cwd=work)
    worker = launcher.start("worker.py")
    wait_health(port)
    items, _ = audit(
        pytester, "--twelvefactor-host", "local://", "--twelvefactor-process", launcher.pattern,
        "--twelvefactor-disruptive", "--twelvefactor-startup-budget", "2",
        "--twelvefactor-start-cmd", launcher.start_cmd(*bad, cwd=work),
    )
    root = os.geteuid() == 0
    expected = {
        "factor07.self-binding": "fail", "observability.health-endpoint": "pass", "factor11.aggregation": "fail",
        "factor09.sigterm": "partial", "factor09.graceful-shutdown": "partial", "factor09.fast-startup": "partial",
        "containerization.non-root": "fail" if root else "pass", "security.non-root": "fail" if root else "pass",
    }
    assert {i: items[i]["verdict"] for i in RUNTIME_ITEMS} == expected, {i: items[i]["summary"] for i in RUNTIME_ITEMS}

    binding = items["factor07.self-binding"]
    assert f"listens on 127.0.0.1:{port} only (loopback); the manifests expect all interfaces (0.0.0.0 at Dockerfile:7)" in messages(binding)
    assert binding["evidence"][0]["message"].startswith("static and runtime disagree: static pass")

    logs = messages(items["factor11.aggregation"])
    assert f"process {web.pid} (python web.py) writes the log file {work / 'app.log'} (under its working directory" in logs
    assert "static and runtime disagree" in logs

    sig = items["factor09.sigterm"]
    text = messages(sig)
    assert f"process {web.pid} (python web.py) still running 3 s after SIGTERM, grace period 3 s (terminationGracePeriodSeconds" in text
    assert "sent SIGKILL as Kubernetes would" in text
    assert f"process {worker.pid} (python worker.py) exited" in text and "after SIGTERM, grace period 3 s" in text
    assert "static and runtime disagree: static pass" in text
    located = [e for e in sig["evidence"] if e["message"].startswith("runtime:") and e.get("ok") is False]
    assert located and all(e["path"] for e in located)  # runtime findings carry the static location (SARIF, Markdown)
    assert web.wait(timeout=10) == -signal.SIGKILL and worker.wait(timeout=10) == 0

    startup = messages(items["factor09.fast-startup"])
    assert "s after start (GET http://127.0.0.1:" in startup and "start-up budget 2 s exceeded" in startup
    if root:
        uids = items["containerization.non-root"]
        assert "static and runtime disagree: static pass" in uids["evidence"][0]["message"]
        assert f"runtime: process {web.pid} (python web.py) runs as uid 0 (root)" in messages(uids)


@needs_linux
def test_disruptive_probes_never_run_without_consent(pytester, launcher):
    port = free_port()
    write_app_repo(pytester.path, port=port, grace=30, host="127.0.0.1")
    web = launcher.start("web.py", "--host", "127.0.0.1", "--port", str(port))
    worker = launcher.start("worker.py")
    wait_health(port)
    items, result = audit(pytester, "--twelvefactor-host", "local://", "--twelvefactor-process", launcher.pattern,
                          "--twelvefactor-start-cmd", "false")
    time.sleep(0.3)
    assert web.poll() is None and worker.poll() is None  # nothing was signalled
    assert "disruptive probes off" in result.stdout.str()
    for item_id in ("factor09.sigterm", "factor09.graceful-shutdown", "factor09.fast-startup"):
        item = items[item_id]
        assert item["verdict"] == "pass"  # the static verdict stands
        assert any("runtime: n/a — disruptive probe not run" in m and "--twelvefactor-disruptive" in m for m in runtime_lines(item))
    assert items["observability.health-endpoint"]["verdict"] == "pass"
    assert "answered 200" in messages(items["observability.health-endpoint"])


def test_unreachable_host_leaves_static_verdicts(pytester, tmp_path):
    """docker:// without a daemon (or without the docker client): every runtime part is n/a with the
    reason, and every verdict equals the static run's."""
    write_app_repo(pytester.path, port=8000, grace=30, host="0.0.0.0")
    static, _ = audit(pytester)
    items, result = audit(pytester, "--twelvefactor-host", "docker://twelvefactor-no-such-container",
                          "--twelvefactor-disruptive")
    assert {i: v["verdict"] for i, v in items.items()} == {i: v["verdict"] for i, v in static.items()}
    for item_id in RUNTIME_ITEMS:
        lines = runtime_lines(items[item_id])
        assert len(lines) == 1 and lines[0].startswith("runtime: n/a — host docker://twelvefactor-no-such-container cannot be"), lines
    assert "Traceback" not in result.stdout.str()


def test_without_host_no_runtime_module_is_loaded(pytester):
    pytester.makeconftest(
        """
        import sys
        def pytest_sessionfinish(session):
            print("LOADED", sorted(m for m in sys.modules if m.startswith(("pytest_twelvefactor.runtime", "testinfra"))))
        """
    )
    pytester.makefile(".txt", requirements="flask==3.0.0\n")
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "-p", "no:pytest11.testinfra", "--twelvefactor",
                                           "--twelvefactor-only", "-m", "factor02")
    assert "LOADED []" in result.stdout.str()


def test_runtime_options_need_a_host_and_a_valid_spec(pytester):
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--twelvefactor", "--twelvefactor-disruptive")
    assert "--twelvefactor-disruptive needs --twelvefactor-host" in result.stderr.str()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--twelvefactor", "--twelvefactor-host", "telnet://box")
    assert "unknown backend 'telnet'" in result.stderr.str()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--twelvefactor", "--twelvefactor-host", "local://",
                                           "--twelvefactor-process", "([")
    assert "not a valid regular expression" in result.stderr.str()


# ------------------------------------------------------------------------------------------ backends

def _fake_client(bin_dir: Path, name: str, body: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def fake_path(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return bin_dir


@pytest.mark.parametrize("spec, expected", [
    ("docker://web", ["exec", "web", "/bin/sh", "-c", "echo twelvefactor-ok"]),
    ("docker://app@web", ["exec", "-u", "app", "web", "/bin/sh", "-c", "echo twelvefactor-ok"]),
    ("kubectl://web-0?namespace=shop&container=api", ["-n", "shop", "-c", "api", "exec", "web-0", "--", "/bin/sh", "-c", "echo twelvefactor-ok"]),
])
def test_container_backends_are_invoked_through_testinfra(fake_path, tmp_path, spec, expected):
    """No daemon or cluster here: a fake client records how testinfra calls it and answers like a shell."""
    client = "kubectl" if spec.startswith("kubectl") else "docker"
    record = tmp_path / "argv.txt"
    _fake_client(fake_path, client, f'for a in "$@"; do printf "%s\\n" "$a" >> {record}; done\nfor a; do last=$a; done\n/bin/sh -c "$last"\n')
    target = Target(spec)
    assert target.connect() is None
    assert record.read_text().splitlines() == expected


@pytest.mark.parametrize("stderr, rc, hint", [
    ('OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory', 126,
     "the target has no /bin/sh (a distroless or scratch image?)"),
    ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?", 1, "no Docker daemon is reachable"),
    ("Error response from daemon: No such container: web", 1, "the container does not exist or is not running"),
])
def test_container_failures_become_reasons(fake_path, stderr, rc, hint):
    _fake_client(fake_path, "docker", f"echo '{stderr}' >&2\nexit {rc}\n")
    reason = Target("docker://web").connect()
    assert reason.startswith(f"host docker://web cannot be reached (exit {rc}: ") and hint in reason


def test_kubectl_without_cluster_reports_the_last_line(fake_path):
    _fake_client(fake_path, "kubectl", 'echo "E1126 memcache.go:265 noise" >&2\n'
                 'echo "The connection to the server localhost:8080 was refused - did you specify the right host or port?" >&2\nexit 1\n')
    reason = Target("kubectl://web-0?namespace=shop").connect()
    assert "The connection to the server localhost:8080 was refused" in reason and "noise" not in reason
    assert "the cluster or host is not reachable" in reason


def test_a_hanging_target_times_out(fake_path):
    _fake_client(fake_path, "docker", "exec sleep 30\n")
    target = Target("docker://web", timeout=0.5)
    started = time.monotonic()
    assert target.connect() == "host docker://web did not answer within 0.5 s"
    assert time.monotonic() - started < 5


def test_testinfra_errors_become_reasons(monkeypatch):
    import testinfra

    def broken(spec):
        raise RuntimeError("paramiko is not installed")

    monkeypatch.setattr(testinfra, "get_host", broken)
    assert Target("paramiko://box").connect() == "host paramiko://box cannot be used: paramiko is not installed"


def test_spec_check():
    assert check_spec("local://") is None and check_spec("kubectl://pod?namespace=x&container=y") is None
    assert "no backend" in check_spec("myhost")
    assert "unknown backend 'ftp'" in check_spec("ftp://x")


# ------------------------------------------------------------------------------------------ merge rules

def _static_pass() -> Result:
    return passed("all 1 Dockerfiles comply", [Evidence("Dockerfile", 5, "Dockerfile: final stage runs as USER 10001", True)])


def test_merge_unanswered_keeps_the_static_verdict():
    merged = merge(_static_pass(), unanswered("neither ss nor netstat on local://"))
    assert merged.verdict is Verdict.PASS
    assert merged.evidence[-1] == Evidence(None, None, "runtime: n/a — neither ss nor netstat on local://", None)


def test_merge_agreement_confirms():
    finding = judged([observed("process 1234 (uvicorn) runs as uid 1000 (app)", True)], subject="observed processes")
    merged = merge(_static_pass(), finding)
    assert merged.verdict is Verdict.PASS and "runtime confirms" in merged.summary
    assert merged.evidence[-1].message == "runtime: process 1234 (uvicorn) runs as uid 1000 (app)"


def test_merge_disagreement_takes_the_runtime_truth_and_says_so():
    finding = judged([observed("process 1234 (uvicorn) runs as uid 0 (root)", False)], subject="observed processes")
    merged = merge(_static_pass(), finding)
    assert merged.verdict is Verdict.FAIL
    first = merged.evidence[0]
    assert first.message.startswith("static and runtime disagree: static pass (all 1 Dockerfiles comply), runtime fail")
    assert (first.path, first.line, first.ok) == ("Dockerfile", 5, False)
    assert merged.evidence[-1] == Evidence("Dockerfile", 5, "runtime: process 1234 (uvicorn) runs as uid 0 (root)", False)


def test_merge_partial_runtime_follows_the_aggregation():
    finding = judged([observed("process 1 (a) exited 0.1 s after SIGTERM", True), observed("process 2 (b) still running", False)],
                     subject="main processes")
    assert finding.verdict is Verdict.PARTIAL
    assert merge(_static_pass(), finding).verdict is Verdict.PARTIAL


def test_merge_runtime_better_than_static():
    static = failed("no Dockerfile sets a non-root USER", [Evidence("Dockerfile", 1, "final stage has no USER, runs as root", False)])
    good = judged([observed("process 7 (gunicorn) runs as uid 1000", True)], subject="observed processes")
    merged = merge(static, good)
    assert merged.verdict is Verdict.PASS and merged.evidence[0].ok is None
    assert "the runtime verdict (pass) is taken" in merged.evidence[0].message
    weak = judged([observed("process 7 has no log file open for writing", True)], subject="observed processes", weak=True)
    merged = merge(static, weak)
    assert merged.verdict is Verdict.FAIL and "the static verdict stands" in merged.evidence[0].message


def test_merge_static_na_takes_runtime():
    merged = merge(not_applicable("no Dockerfiles"), judged([observed("process 7 runs as uid 0", False)], subject="processes"))
    assert merged.verdict is Verdict.FAIL and merged.summary.startswith("runtime: ") and "static: no Dockerfiles" in merged.summary


def test_finding_round_trips_for_xdist_workers():
    finding = judged([observed("process 7 runs as uid 0", False)], subject="processes")
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding


# ------------------------------------------------------------------------------------------ parsing and hints

def test_parse_ss_and_netstat():
    ss = textwrap.dedent("""\
        State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
        LISTEN 0      5          127.0.0.1:8123       0.0.0.0:*     users:(("python3",pid=4242,fd=3))
        LISTEN 0      128             [::]:22            [::]:*
        LISTEN 0      128                *:9000             *:*     users:(("node",pid=7,fd=20))
    """)
    parsed = parse_ss(ss)
    assert [(s.address, s.port, s.pid, s.program, s.loopback, s.wildcard) for s in parsed] == [
        ("127.0.0.1", 8123, 4242, "python3", True, False), ("::", 22, None, "", False, True), ("*", 9000, 7, "node", False, True)]
    netstat = textwrap.dedent("""\
        Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
        tcp        0      0 0.0.0.0:8000            0.0.0.0:*               LISTEN      31/gunicorn: maste
        tcp6       0      0 :::8080                 :::*                    LISTEN      -
    """)
    assert [(s.address, s.port, s.pid) for s in parse_netstat(netstat)] == [("0.0.0.0", 8000, 31), ("::", 8080, None)]


def test_program_of_and_durations():
    assert program_of(["tini", "--", "uvicorn", "app.main:app"]) == "uvicorn"
    assert program_of(["python", "-m", "celery", "-A", "app", "worker"]) == "celery"
    assert program_of(["/bin/sh", "-c", "alembic upgrade head && exec gunicorn app:app"]) == "gunicorn"
    assert program_of(["python3", "-u", "web.py", "--port", "8000"]) == "web.py"
    assert parse_duration("1m30s") == 90 and parse_duration("500ms") == 0.5 and parse_duration(10) == 10
    assert parse_duration("soon") is None


def test_hints_from_the_static_model(make_repo):
    repo = make_repo({
        "Dockerfile": 'FROM python:3.12-slim\nUSER 10001\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]\n',
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/healthz')\ndef health():\n    return {}\n",
        "docker-compose.yml": "services:\n  web:\n    build: .\n    ports: ['8080:8000']\n    stop_grace_period: 1m\n"
                              "  worker:\n    build: .\n    command: celery -A app worker\n",
    })
    hints = derive(repo)
    assert sorted(p for p, _ in hints.commands) == ["celery", "uvicorn"]
    assert hints.pattern == r"(^|[\s/])(celery|uvicorn)(\s|:|$)"
    assert re.search(hints.pattern, "celery: worker [app]") and re.search(hints.pattern, "/venv/bin/uvicorn app:app")
    assert re.search(hints.pattern, "python -m pytest tests/test_uvicorn_app.py") is None
    assert hints.port() == 8000 and hints.bind_host[0] == "0.0.0.0"
    assert hints.health_route[0] == "/healthz"
    assert hints.grace[0] == 60 and "stop_grace_period of compose service web" in hints.grace[1]
