"""The audited code is never imported or executed, and nothing in the tree runs."""

from __future__ import annotations

from audit_run import audit, fingerprint
from conftest import write_tree


def _tree(marker_dir) -> dict[str, str]:
    def touch(name: str) -> str:
        return f"open({str(marker_dir / name)!r}, 'w').write('executed')\n"

    return {
        "app/__init__.py": touch("package-init"),
        "app/main.py": "import os\n" + touch("app-main") + "from fastapi import FastAPI\napp = FastAPI()\n",
        "app/settings.py": touch("settings") + "raise SystemExit('imported')\n",
        "setup.py": touch("setup-py") + "from setuptools import setup\nsetup(name='canary')\n",
        "sitecustomize.py": touch("sitecustomize"),
        "usercustomize.py": touch("usercustomize"),
        "conftest.py": touch("conftest"),      # the audited root is not pytest's rootdir here
        "manage.py": touch("manage-py"),
        "canary.pth": f"import os; {touch('pth').strip()}\n",
        "requirements.txt": "-e .\nfastapi==0.115.0\n",
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "canary_backend"\nbackend-path = ["."]\n',
        "canary_backend.py": touch("build-backend"),
        "Dockerfile": f"FROM python:3.12-slim\nRUN {touch('docker-run').strip()}\nCMD [\"python\", \"-m\", \"app.main\"]\n",
        "docker-compose.yml": "services:\n  web:\n    build: .\n    command: python -m app.main\n",
        "entrypoint.sh": f"#!/bin/sh\ntouch {marker_dir / 'shell'}\nexec \"$@\"\n",
        "k8s/yaml-tags.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tags}\ndata:\n"
                              f"  a: !!python/object/apply:os.system ['touch {marker_dir / 'yaml-tag'}']\n",
        "deploy/kustomization.yaml": "resources: [app.yaml]\ngenerators: [exec-plugin.yaml]\n",
        "deploy/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n",
        "deploy/exec-plugin.yaml": (
            "apiVersion: example.com/v1\nkind: Marker\nmetadata:\n  name: marker\n  annotations:\n"
            f"    config.kubernetes.io/function: |\n      exec:\n        path: {marker_dir / 'plugin.sh'}\n"
        ),
    }


def test_audited_code_is_never_imported_or_executed(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    plugin = markers / "plugin.sh"
    plugin.write_text(f"#!/bin/sh\ntouch {markers / 'kustomize-plugin'}\n")
    plugin.chmod(0o755)
    root = write_tree(tmp_path / "repo", _tree(markers))
    (root / ".git").mkdir()
    (root / "entrypoint.sh").chmod(0o755)
    before = fingerprint(root)
    neutral = tmp_path / "cwd"
    neutral.mkdir()
    run = audit(root, tmp_path / "out", "-rA", cwd=neutral)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    assert "Traceback" not in run.stdout + run.stderr
    assert sorted(p.name for p in markers.iterdir()) == ["plugin.sh"], "something in the audited tree was executed"
    assert fingerprint(root) == before
    facts = run.json()
    assert any(e["path"] == "app/main.py" for i in facts["items"] for e in i["evidence"]), "the modules were analysed"
