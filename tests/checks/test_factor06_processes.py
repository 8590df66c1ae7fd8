"""Factor 6 evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations


def workload(name: str, kind: str = "Deployment", pod_extra: str = "", container_extra: str = "", spec_extra: str = "") -> str:
    return f"""
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
spec:{spec_extra}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:{pod_extra}
      containers:
        - name: {name}
          image: ghcr.io/acme/{name}:1.0{container_extra}
"""


HOSTPATH = """
      volumes:
        - name: data
          hostPath: {path: /srv/data}"""
UPLOADS_EMPTYDIR = """
      volumes:
        - name: uploads
          emptyDir: {}"""
UPLOADS_MOUNT = """
          volumeMounts:
            - {name: uploads, mountPath: /app/uploads}"""
TMP_MOUNT = """
          volumeMounts:
            - {name: uploads, mountPath: /tmp}"""
RWX_PVC = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: shared
spec:
  accessModes: [ReadWriteMany]
"""
PVC_VOLUME = """
      volumes:
        - name: files
          persistentVolumeClaim: {claimName: shared}"""


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


# --------------------------------------------------------------------------- stateless


def test_stateless_pass_scratch_emptydir(evaluate):
    result = evaluate("factor06.stateless", {"k8s/api.yaml": workload("api", pod_extra=UPLOADS_EMPTYDIR, container_extra=TMP_MOUNT)})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 1, True)


def test_stateless_partial_statefulset(evaluate):
    sts = workload("api", kind="StatefulSet", spec_extra="\n  volumeClaimTemplates:\n    - metadata: {name: data}")
    result = evaluate("factor06.stateless", {"k8s/api.yaml": sts, "k8s/ui.yaml": workload("ui")})
    assert result.verdict.value == "partial"
    ev = _find(result, "StatefulSet with per-pod PVCs (data)")
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 6, False)


def test_stateless_partial_code_keeps_local_state(evaluate):
    files = {"k8s/api.yaml": workload("api"), "app/cache.py": "import shelve\ndb = shelve.open('/data/cache')\n"}
    result = evaluate("factor06.stateless", files)
    assert result.verdict.value == "partial"
    ev = _find(result, "shelve file")
    assert (ev.path, ev.line, ev.ok) == ("app/cache.py", 2, False)


def test_stateless_fail_hostpath_and_data_emptydir(evaluate):
    files = {
        "k8s/api.yaml": workload("api", pod_extra=HOSTPATH),
        "k8s/ui.yaml": workload("ui", pod_extra=UPLOADS_EMPTYDIR, container_extra=UPLOADS_MOUNT),
    }
    result = evaluate("factor06.stateless", files)
    assert result.verdict.value == "fail"
    host = _find(result, "hostPath volume data")
    assert (host.path, host.line) == ("k8s/api.yaml", 13)
    empty = _find(result, "emptyDir uploads holds data at /app/uploads")
    assert (empty.path, empty.line) == ("k8s/ui.yaml", 13)


def test_stateless_fail_request_data_in_process_memory_without_workloads(evaluate):
    source = """
    from flask import Flask, request
    app = Flask(__name__)
    votes = {}
    _token_cache = {}

    @app.route("/vote", methods=["POST"])
    def vote():
        votes[request.form["place"]] = 1
        _token_cache["t"] = 1
        return "ok"

    def reset():
        votes.clear()
    """
    result = evaluate("factor06.stateless", {"app.py": source})
    assert result.verdict.value == "fail"
    assert [(e.path, e.line, e.ok) for e in result.evidence] == [("app.py", 3, False)]
    assert "module-level votes holds data in process memory (request handler vote changes it at line 8)" in result.evidence[0].message


def test_stateless_na_without_kubernetes(evaluate):
    assert evaluate("factor06.stateless", {"app/main.py": "x = 1\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- external-sessions


def test_external_sessions_pass_jwt(evaluate):
    source = "import jwt\n\ndef token(sub):\n    return jwt.encode({'sub': sub}, KEY)\n"
    result = evaluate("factor06.external-sessions", {"app/security.py": source})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/security.py", 1, True)


def test_external_sessions_pass_redis_session_type(evaluate):
    source = "class Config:\n    SESSION_TYPE = 'redis'\n"
    result = evaluate("factor06.external-sessions", {"app/config.py": source})
    assert result.verdict.value == "pass"
    assert result.evidence[0].line == 2


def test_external_sessions_fail_filesystem(evaluate):
    source = "from flask import Flask\napp = Flask(__name__)\napp.config['SESSION_TYPE'] = 'filesystem'\n"
    result = evaluate("factor06.external-sessions", {"app/web.py": source})
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/web.py", 3, False)
    assert "SESSION_TYPE" in ev.message


def test_external_sessions_fail_cookie_keyed_state_in_process_memory(evaluate):
    source = """
    from flask import Flask, request
    app = Flask(__name__)
    CARTS = {}
    THEMES = {"dark": 1}

    @app.route("/cart", methods=["POST"])
    def add():
        cart_id = request.cookies.get("cart")
        CARTS.setdefault(cart_id, []).append(request.get_json())
        return "ok"

    @app.route("/theme")
    def theme():
        return str(THEMES.get("dark")) + request.cookies.get("lang", "en")
    """
    result = evaluate("factor06.external-sessions", {"app/web.py": source})
    assert result.verdict.value == "fail"
    assert [(e.path, e.line, e.ok) for e in result.evidence] == [("app/web.py", 9, False)]
    assert "per-client state in process memory (CARTS) keyed by a cookie" in result.evidence[0].message


def test_external_sessions_na_no_auth(evaluate):
    result = evaluate("factor06.external-sessions", {"app/main.py": "def add(a, b):\n    return a + b\n"})
    assert result.verdict.value == "n/a"


# --------------------------------------------------------------------------- shared-filesystem


def test_shared_filesystem_pass(evaluate):
    result = evaluate("factor06.shared-filesystem", {"k8s/api.yaml": workload("api")})
    assert result.verdict.value == "pass"
    assert result.evidence[0].ok is True


def test_shared_filesystem_partial_rwx(evaluate):
    files = {"k8s/pvc.yaml": RWX_PVC, "k8s/api.yaml": workload("api", pod_extra=PVC_VOLUME)}
    result = evaluate("factor06.shared-filesystem", files)
    assert result.verdict.value == "partial"
    ev = _find(result, "ReadWriteMany PVC shared")
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 13, False)


def test_shared_filesystem_fail_hostpath(evaluate):
    result = evaluate("factor06.shared-filesystem", {"k8s/api.yaml": workload("api", pod_extra=HOSTPATH)})
    assert result.verdict.value == "fail"
    assert "hostPath volume data (/srv/data)" in result.evidence[0].message
    assert result.evidence[0].line == 13


def test_shared_filesystem_na(evaluate):
    assert evaluate("factor06.shared-filesystem", {"README.md": "hi\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- independent


def test_independent_pass(evaluate):
    result = evaluate("factor06.independent", {"k8s/api.yaml": workload("api")})
    assert result.verdict.value == "pass"
    assert result.evidence[0].message.startswith("Deployment/api: no host namespaces")


def test_independent_fail_host_network(evaluate):
    files = {"k8s/api.yaml": workload("api", pod_extra="\n      hostNetwork: true"), "k8s/ui.yaml": workload("ui")}
    result = evaluate("factor06.independent", files)
    assert result.verdict.value == "fail"
    ev = _find(result, "hostNetwork")
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 12, False)


def test_independent_na(evaluate):
    assert evaluate("factor06.independent", {"app.py": "x = 1\n"}).verdict.value == "n/a"
