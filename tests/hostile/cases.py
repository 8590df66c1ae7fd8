"""The hostile-input corpus: one row per file, with the behaviour the audit must show.

Committed files live under ``corpus/`` at the path they take in the audited
tree (mostly ``junk/…``; a few in the places real repositories keep such
files: ``deploy/base``, ``k8s/``, ``parcelhub/Dockerfile``, a root
requirements file, ``.github/workflows``). Files that must not be committed
(huge, binary, UTF-16, alias bombs, deep nesting, links, FIFOs, unreadable)
are written by a generator at test time.

Expectations:

- ``diag(fragment, severity)``: the file is one diagnostic, whose one-line
  message contains ``fragment``;
- ``PARSED``: the file is read and used, no diagnostic names it;
- ``IGNORED``: not a file of any kind the audit analyses (or git-ignored):
  no diagnostic names it either.
"""

from __future__ import annotations

import codecs
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

CORPUS = Path(__file__).parent / "corpus"
MiB = 1024 * 1024
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class Expect:
    kind: str                    # "diagnostic", "parsed", "ignored"
    fragment: str = ""
    severity: str = "warning"

    def __str__(self) -> str:
        return f"{self.kind}({self.fragment!r}, {self.severity})" if self.kind == "diagnostic" else self.kind


def diag(fragment: str, severity: str = "warning") -> Expect:
    return Expect("diagnostic", fragment, severity)


def info(fragment: str) -> Expect:
    return Expect("diagnostic", fragment, "info")


PARSED = Expect("parsed")
IGNORED = Expect("ignored")

INVALID_YAML = diag("invalid YAML at line")
BINARY = diag("binary file (contains NUL bytes)")
NOT_UTF8 = diag("not UTF-8 text")
TOO_LARGE = diag("larger than 4 MiB, skipped")
PY_SYNTAX = diag("Python syntax error at line")
NEWER_PY = PARSED if sys.version_info >= (3, 12) else PY_SYNTAX   # PEP 695 / PEP 701 syntax
OUTSIDE_LINK = info("symbolic link points outside the tree or nowhere; skipped")
DIR_LINK = info("symbolic link to a directory; not followed")
UNPRINTABLE = info("name is not printable UTF-8 (undecodable bytes or control characters); skipped")
NOT_JUDGED = info("top-level kustomization outside the overlays; not judged as the deployment")


@dataclass(frozen=True)
class Case:
    path: str                                    # relative path in the audited tree
    expect: Expect
    make: Callable[[Path], None] | None = None   # generator (None: committed under corpus/)
    note: str = ""
    reported_as: str | None = None               # the path diagnostics give, when the name is unprintable

    @property
    def shown(self) -> str:
        return self.reported_as or self.path


# --------------------------------------------------------------------------- generators

def _bytes(data: bytes):
    return lambda target: target.write_bytes(data)


def _text(text: str, encoding: str = "utf-8", newline: str = "\n"):
    return lambda target: target.write_bytes(text.replace("\n", newline).encode(encoding))


def _big(prefix: bytes, size: int, filler: bytes = b"# padding padding padding padding padding padding\n"):
    def make(target: Path) -> None:
        with open(target, "wb") as handle:
            handle.write(prefix)
            written = len(prefix)
            while written < size:
                chunk = filler[: size - written]
                handle.write(chunk)
                written += len(chunk)
    return make


def _symlink(to: str):
    return lambda target: os.symlink(to, target)


def _fifo(target: Path) -> None:
    os.mkfifo(target)


def _unreadable(content: bytes):
    def make(target: Path) -> None:
        target.write_bytes(content)
        target.chmod(0)
    return make


def _unreadable_dir(target: Path) -> None:
    target.mkdir()
    (target / "inside.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hidden}\n")
    target.chmod(0)


def alias_bomb(levels: int = 12, width: int = 10) -> str:
    """A "billion laughs": ``width ** levels`` leaves from a few hundred bytes."""
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "x0: &a0 [lol]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"x{level}: &a{level} [{refs}]")
    lines.append(f"data: {{bomb: *a{levels - 1}}}")
    return "\n".join(lines) + "\n"


def deep_flow(depth: int) -> str:
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "[" * depth + "]" * depth + "\n"


def deep_block(depth: int) -> str:
    body = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "leaf\n"
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep-block}\ndata:\n" + "".join("  " + l + "\n" for l in body.splitlines())


def deep_json(depth: int) -> str:
    return '{"apiVersion": "v1", "kind": "ConfigMap", "data": ' + '{"a": ' * depth + "1" + "}" * depth + "}\n"


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: value\n"
DOCKERFILE = "FROM python:3.12-slim\nRUN pip install flask\nUSER 1000\nCMD [\"python\", \"-m\", \"app\"]\n"
MODULE = "import os\n\nNAME = os.environ.get('NAME', 'x')\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


# --------------------------------------------------------------------------- the table

CASES: list[Case] = [
    # ---- YAML manifests
    Case("junk/k8s/bad-indent.yaml", INVALID_YAML),
    Case("junk/k8s/tabs.yaml", diag("invalid YAML at line 4")),
    Case("junk/k8s/tab-in-value.yaml", PARSED, note="a tab inside a scalar is legal"),
    Case("junk/k8s/duplicate-keys.yaml", diag("duplicate key 'LOG_LEVEL'"), note="kubectl and compose (yaml.v3) reject duplicate keys"),
    Case("junk/k8s/duplicate-top-keys.yaml", diag("duplicate key 'kind'")),
    Case("junk/k8s/merge-keys.yaml", PARSED, note="merge keys overriding merged values are not duplicates"),
    Case("junk/k8s/merge-undefined-alias.yaml", diag("found undefined alias")),
    Case("junk/k8s/custom-tags.yaml", PARSED, note="unknown tags construct as plain values"),
    Case("junk/k8s/python-object-tag.yaml", PARSED, note="python/* tags construct as plain values, never call anything"),
    Case("junk/k8s/core-tags.yaml", PARSED),
    Case("junk/k8s/complex-keys.yaml", diag("a mapping key that is itself a mapping or list"), note="kubectl cannot convert such keys to JSON"),
    Case("junk/k8s/unterminated-string.yaml", INVALID_YAML),
    Case("junk/k8s/control-chars.yaml", diag("unacceptable character")),
    Case("junk/k8s/empty.yaml", IGNORED),
    Case("junk/k8s/comments-only.yaml", PARSED),
    Case("junk/k8s/separators-only.yaml", IGNORED),
    Case("junk/k8s/null-documents.yaml", PARSED),
    Case("junk/k8s/scalar-document.yaml", PARSED),
    Case("junk/k8s/list-document.yaml", PARSED),
    Case("junk/k8s/multi-doc-one-broken.yaml", diag("invalid YAML at line 20")),
    Case("junk/k8s/no-apiversion.yaml", PARSED),
    Case("junk/k8s/no-kind.yaml", PARSED),
    Case("junk/k8s/kind-not-string.yaml", PARSED),
    Case("junk/k8s/apiversion-number.yaml", PARSED),
    Case("junk/k8s/wrong-types.yaml", PARSED, note="every field of the wrong type"),
    Case("junk/k8s/null-everywhere.yaml", PARSED),
    Case("junk/k8s/crd.yaml", PARSED),
    Case("junk/k8s/custom-resource.yaml", PARSED),
    Case("junk/k8s/unknown-kinds.yaml", PARSED),
    Case("junk/k8s/deprecated-apis.yaml", PARSED),
    Case("junk/k8s/list-kind.yaml", PARSED),
    Case("junk/k8s/list-items-not-list.yaml", PARSED),
    Case("junk/k8s/manifest.json", PARSED),
    Case("junk/k8s/list.json", PARSED),
    Case("junk/k8s/broken.json", INVALID_YAML),
    Case("junk/k8s/trailing-comma.json", PARSED, note="YAML flow mappings allow a trailing comma"),
    Case("junk/k8s/json-not-manifest.json", IGNORED),
    Case("junk/k8s/templated-placeholders.yaml", info("templated file ({{ }} placeholders); not analysed")),
    Case("junk/k8s/templated-but-valid.yaml", PARSED),
    Case("junk/k8s/jinja-block.yaml", info("templated file")),
    Case("junk/k8s/windows-path-backslashes.yaml", diag("found unknown escape character")),
    Case("junk/k8s/document-end-garbage.yaml", INVALID_YAML),
    Case("junk/k8s/directive.yaml", PARSED),
    Case("junk/k8s/bad-directive.yaml", diag("found incompatible YAML document")),
    Case("junk/k8s/anchors-fine.yaml", PARSED),
    Case("junk/k8s/recursive-alias.yaml", diag("not analysed: an alias refers to a node that contains it")),
    Case("junk/k8s/secret-odd-shapes.yaml", PARSED),
    Case("junk/k8s/huge-numbers.yaml", PARSED),
    Case("junk/k8s/unicode-names.yaml", PARSED),
    Case("junk/k8s/surrogate-escape.yaml", diag("found invalid Unicode character escape code")),
    Case("junk/k8s/very-long-line.yaml", PARSED),
    Case("junk/k8s/kind-only-comment.yaml", PARSED),
    Case("junk/k8s/not-kubernetes.yaml", PARSED),
    Case("junk/mkdocs.yml", PARSED, note="mkdocs' !ENV tag is not an error"),
    # ---- generated YAML: bounds and encodings
    Case("junk/gen/alias-bomb.yaml", diag("alias bomb"), _text(alias_bomb())),
    Case("junk/gen/alias-bomb-in-compose/docker-compose.yml", diag("alias bomb"), _text("services:\n  web: {image: x}\n" + alias_bomb().split("\n", 3)[3])),
    Case("junk/gen/.gitlab-ci.yml", diag("alias bomb"), _text(alias_bomb())),
    Case("junk/gen/alias-bomb-kustomization/kustomization.yaml", diag("alias bomb"), _text(alias_bomb())),
    Case("junk/gen/small-aliases.yaml", PARSED, _text(alias_bomb(levels=3, width=3))),
    Case("junk/gen/deep-flow-10000.yaml", diag("exceeded maximum nesting depth"), _text(deep_flow(10_000))),
    Case("junk/gen/deep-flow-90.yaml", PARSED, _text(deep_flow(90))),
    Case("junk/gen/deep-flow-150.yaml", diag("not analysed: nested deeper than 100 levels"), _text(deep_flow(150))),
    Case("junk/gen/deep-block-1500.yaml", diag("exceeded maximum nesting depth"), _text(deep_block(1500))),
    Case("junk/gen/deep-json-10000.json", diag("exceeded maximum nesting depth"), _text(deep_json(10_000))),
    Case("junk/gen/huge-5mib.yaml", TOO_LARGE, _big(CONFIGMAP.format(name="huge").encode(), 5 * MiB)),
    Case("junk/gen/exactly-4mib.yaml", IGNORED, _big(b"# apiVersion and kind only in comments\n", 4 * MiB)),
    Case("junk/gen/many-documents.yaml", PARSED, _text("".join("---\n" + CONFIGMAP.format(name=f"cm-{i}") for i in range(3000)))),
    Case("junk/gen/binary.yaml", BINARY, _bytes(PNG)),
    Case("junk/gen/nul-in-yaml.yaml", BINARY, _bytes(CONFIGMAP.format(name="nul").encode() + b"\x00\n")),
    Case("junk/gen/latin1.yaml", NOT_UTF8, _text(CONFIGMAP.format(name="caf\u00e9"), "latin-1")),
    Case("junk/gen/cp1252.json", NOT_UTF8, _text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "\u201cq\u201d"}}', "cp1252")),
    Case("junk/gen/bom-utf8.yaml", PARSED, _bytes(codecs.BOM_UTF8 + CONFIGMAP.format(name="bom").encode())),
    Case("junk/gen/utf16-le-bom.yaml", PARSED, _text("\ufeff" + CONFIGMAP.format(name="utf16le"), "utf-16-le")),
    Case("junk/gen/utf16-be-bom.yaml", PARSED, _text("\ufeff" + CONFIGMAP.format(name="utf16be"), "utf-16-be")),
    Case("junk/gen/utf16-no-bom.yaml", BINARY, _text(CONFIGMAP.format(name="nobom"), "utf-16-le")),
    Case("junk/gen/utf16-truncated.yaml", diag("undecodable text"), _bytes(codecs.BOM_UTF16_LE + "apiVersion: v1\nkind: X\n".encode("utf-16-le") + b"\x41")),
    Case("junk/gen/utf32.yaml", PARSED, _text("\ufeff" + CONFIGMAP.format(name="utf32"), "utf-32-le")),
    Case("junk/gen/crlf.yaml", PARSED, _text(CONFIGMAP.format(name="crlf"), newline="\r\n")),
    Case("junk/gen/cr-only.yaml", PARSED, _text(CONFIGMAP.format(name="cr"), newline="\r")),
    Case("junk/gen/mixed-newlines.yaml", PARSED, _bytes(b"apiVersion: v1\r\nkind: ConfigMap\nmetadata:\r  name: mixed\n")),
    # ---- Helm
    Case("junk/chart/Chart.yaml", PARSED),
    Case("junk/chart/values.yaml", PARSED),
    Case("junk/chart/values-prod.yaml", IGNORED, note="values files are the renderer's input, not manifests"),
    Case("junk/chart/templates/deployment.yaml", info("Helm template; not analysed")),
    Case("junk/chart/templates/_helpers.tpl", IGNORED),
    Case("junk/chart/templates/NOTES.txt", IGNORED),
    Case("junk/chart/crds/widget-crd.yaml", PARSED),
    Case("junk/chart/Chart.lock", IGNORED),
    Case("junk/broken-chart/Chart.yaml", IGNORED, note="Chart.yaml is only a marker; helm would report it"),
    # ---- Kustomize
    Case("junk/kustomize/missing/kustomization.yaml", diag("kustomization resource does-not-exist.yaml not found")),
    Case("junk/kustomize/remote/kustomization.yaml", NOT_JUDGED, note="remote bases are never fetched"),
    Case("junk/kustomize/outside/kustomization.yaml", NOT_JUDGED),
    Case("junk/kustomize/empty/kustomization.yaml", diag("kustomization is empty or not a mapping")),
    Case("junk/kustomize/list/kustomization.yaml", diag("kustomization is empty or not a mapping")),
    Case("junk/kustomize/broken/kustomization.yaml", INVALID_YAML),
    Case("junk/kustomize/wrong-types/kustomization.yaml", NOT_JUDGED),
    Case("junk/kustomize/self-loop/kustomization.yaml", PARSED),
    Case("junk/kustomize/cycle-a/kustomization.yaml", PARSED),
    Case("junk/kustomize/cycle-b/kustomization.yaml", PARSED),
    Case("junk/kustomize/legacy/kustomization.yaml", diag("kustomization resource ../missing-base not found")),
    Case("junk/kustomize/component/kustomization.yaml", PARSED),
    Case("junk/kustomize/generator-env/kustomization.yaml", NOT_JUDGED),
    Case("junk/kustomize/generator-env/cm.yaml", PARSED),
    Case("junk/kustomize/Kustomization", diag("kustomization resource nothing-here.yaml not found")),
    # ---- Dockerfiles
    Case("junk/docker/heredoc.Dockerfile", PARSED),
    Case("junk/docker/heredoc-tabs.Dockerfile", PARSED),
    Case("junk/docker/multi-heredoc.Dockerfile", PARSED),
    Case("junk/docker/unterminated-heredoc.Dockerfile", PARSED),
    Case("junk/docker/escape-directive.Dockerfile", PARSED),
    Case("junk/docker/continuations.Dockerfile", PARSED),
    Case("junk/docker/continuation-at-eof.Dockerfile", PARSED),
    Case("junk/docker/arg-image.Dockerfile", PARSED),
    Case("junk/docker/arg-loop.Dockerfile", PARSED),
    Case("junk/docker/no-from.Dockerfile", diag("Dockerfile without a FROM instruction")),
    Case("junk/docker/empty.Dockerfile", diag("Dockerfile without a FROM instruction")),
    Case("junk/docker/comments-only.Dockerfile", diag("Dockerfile without a FROM instruction")),
    Case("junk/docker/only-args.Dockerfile", diag("Dockerfile without a FROM instruction")),
    Case("junk/docker/lowercase.Dockerfile", PARSED),
    Case("junk/docker/platform.Dockerfile", PARSED),
    Case("junk/docker/malformed-json-cmd.Dockerfile", PARSED),
    Case("junk/docker/unknown-instructions.Dockerfile", PARSED),
    Case("junk/docker/stage-cycle.Dockerfile", PARSED, note="FROM b AS a … FROM a AS b: no endless walk"),
    Case("junk/docker/self-stage.Dockerfile", PARSED),
    Case("junk/docker/from-nothing.Dockerfile", PARSED),
    Case("junk/docker/scratch.Dockerfile", PARSED),
    Case("junk/docker/Containerfile", PARSED),
    Case("junk/docker/nested-substitution.Dockerfile", PARSED),
    Case("junk/docker/weird-user.Dockerfile", PARSED),
    Case("junk/docker/add-urls.Dockerfile", PARSED),
    Case("junk/docker/expose-odd.Dockerfile", PARSED),
    Case("junk/gen/huge.Dockerfile", TOO_LARGE, _big(DOCKERFILE.encode(), 5 * MiB)),
    Case("junk/gen/binary.Dockerfile", BINARY, _bytes(PNG)),
    Case("junk/gen/latin1.Dockerfile", NOT_UTF8, _text("FROM alpine:3.20\nLABEL author=Jos\u00e9\n", "latin-1")),
    Case("junk/gen/bom.Dockerfile", PARSED, _bytes(codecs.BOM_UTF8 + DOCKERFILE.encode())),
    Case("junk/gen/utf16.Dockerfile", PARSED, _text("\ufeff" + DOCKERFILE, "utf-16-le")),
    Case("junk/gen/crlf.Dockerfile", PARSED, _text(DOCKERFILE, newline="\r\n")),
    Case("junk/gen/long-continuation.Dockerfile", PARSED, _text("FROM alpine:3.20\nRUN true " + "\\\n  && true " * 5_000 + "\n")),
    Case("junk/gen/long-heredoc.Dockerfile", PARSED, _text("FROM alpine:3.20\nRUN <<EOF\n" + "echo line\n" * 5_000 + "EOF\n")),
    # ---- compose
    Case("junk/compose/docker-compose.yml", PARSED),
    Case("junk/compose/compose.broken.yaml", INVALID_YAML),
    Case("junk/compose/compose.list.yaml", PARSED),
    Case("junk/compose/docker-compose.services-list.yml", PARSED),
    Case("junk/compose/compose.empty.yaml", PARSED),
    Case("junk/compose/docker-compose.anchors.yml", PARSED),
    Case("junk/gen/binary-compose/compose.yaml", BINARY, _bytes(PNG)),
    # ---- dependency files
    Case("junk/deps/requirements-hashes.txt", PARSED),
    Case("junk/deps/requirements-markers.txt", PARSED),
    Case("junk/deps/requirements-urls.txt", PARSED),
    Case("junk/deps/requirements-editable.txt", PARSED),
    Case("junk/deps/requirements-self-loop.txt", diag("-r include loop")),
    Case("junk/deps/requirements-loop-a.txt", diag("-r include loop")),
    Case("junk/deps/requirements-loop-b.txt", PARSED, note="the loop is reported once, on the file that closes it (loop-a)"),
    Case("junk/deps/requirements-missing-include.txt", info("included file junk/deps/does-not-exist.txt not found")),
    Case("junk/deps/requirements-outside.txt", info("included file /etc/passwd not found"), note="never read outside the tree"),
    Case("junk/deps/requirements-eq-include.txt", PARSED, note="--requirement=FILE form"),
    Case("junk/deps/requirements-options.txt", PARSED),
    Case("junk/deps/requirements-garbage.txt", PARSED),
    Case("junk/deps/requirements-comments-only.txt", PARSED),
    Case("junk/deps/requirements-empty.txt", PARSED),
    Case("junk/deps/requirements-continuation-eof.txt", PARSED),
    Case("junk/deps/requirements-env-vars.txt", PARSED),
    Case("junk/deps/requirements.in", PARSED),
    Case("junk/deps/broken/pyproject.toml", diag("invalid TOML")),
    Case("junk/deps/wrong-types/pyproject.toml", PARSED),
    Case("junk/deps/wrong-shapes/pyproject.toml", PARSED),
    Case("junk/deps/nulls/pyproject.toml", PARSED),
    Case("junk/deps/duplicate-table/pyproject.toml", diag("invalid TOML")),
    Case("junk/deps/Pipfile", diag("invalid TOML")),
    Case("junk/deps/pipfile-shapes/Pipfile", PARSED),
    Case("junk/deps/pipfile-values/Pipfile", PARSED),
    Case("junk/deps/setup.cfg", diag("invalid setup.cfg")),
    Case("junk/deps/setup-interpolation/setup.cfg", PARSED),
    Case("junk/deps/setup-duplicate/setup.cfg", diag("invalid setup.cfg")),
    Case("junk/deps/package.json", PARSED, note="other ecosystems' manifests are listed, not parsed"),
    Case("junk/deps/go.mod", PARSED),
    Case("junk/deps/poetry.lock", IGNORED),
    Case("junk/deps/pip.conf", PARSED),
    Case("junk/deps/.npmrc", PARSED),
    Case("junk/gen/requirements-huge.txt", TOO_LARGE, _big(b"flask==3.0.3\n", 5 * MiB, b"# c\n")),
    Case("junk/gen/requirements-binary.txt", BINARY, _bytes(PNG)),
    Case("junk/gen/requirements-latin1.txt", NOT_UTF8, _text("# d\u00e9pendances\nflask==3.0.3\n", "latin-1")),
    Case("junk/gen/requirements-bom.txt", PARSED, _bytes(codecs.BOM_UTF8 + b"flask==3.0.3\n")),
    Case("junk/gen/requirements-crlf.txt", PARSED, _text("flask==3.0.3 \\\n    --hash=sha256:00\nrequests==2.32.3\n", newline="\r\n")),
    Case("junk/gen/binary-pyproject/pyproject.toml", BINARY, _bytes(PNG)),
    Case("junk/gen/utf16-pyproject/pyproject.toml", PARSED, _text('\ufeff[project]\nname = "x"\ndependencies = ["flask==3.0.3"]\n', "utf-16-be")),
    # ---- Python
    Case("junk/py/syntax_error.py", PY_SYNTAX),
    Case("junk/py/python2_print.py", PY_SYNTAX),
    Case("junk/py/python2_except.py", PY_SYNTAX),
    Case("junk/py/python2_backticks.py", PY_SYNTAX),
    Case("junk/py/tab_space_mix.py", PY_SYNTAX),
    Case("junk/py/unindent.py", PY_SYNTAX),
    Case("junk/py/future_braces.py", PARSED, note="a compile-time error ast.parse does not raise"),
    Case("junk/py/unterminated_string.py", PY_SYNTAX),
    Case("junk/py/unterminated_triple.py", PY_SYNTAX),
    Case("junk/py/match_statement.py", PARSED),
    Case("junk/py/pep695_generics.py", NEWER_PY),
    Case("junk/py/pep701_fstrings.py", NEWER_PY),
    Case("junk/py/walrus_and_async.py", PARSED),
    Case("junk/py/module_level_oddities.py", PARSED, note="compile-time errors ast.parse does not raise"),
    Case("junk/py/unicode_identifiers.py", PARSED),
    Case("junk/py/empty_module.py", PARSED),
    Case("junk/py/comments_only.py", PARSED),
    Case("junk/py/stub_with_errors.pyi", IGNORED),
    Case("junk/py/deep_parens.py", diag("too many nested parentheses")),
    Case("junk/py/deep_lists.py", diag("too many nested parentheses")),
    Case("junk/py/long_binop_chain.py", diag("too deeply nested")),
    Case("junk/py/deep_calls.py", PARSED),
    Case("junk/py/deep_blocks.py", diag("too many levels of indentation")),
    Case("junk/py/import_side_effects.py", PARSED, note="parsed with ast, never imported"),
    Case("junk/py/weird_strings.py", PARSED),
    Case("junk/py/coding_cookie.py", PARSED),
    Case("junk/py/bad_coding_cookie.py", PARSED, note="a cookie is ignored: the text is already decoded as UTF-8"),
    Case("junk/gen/huge_module.py", TOO_LARGE, _big(MODULE.encode(), 5 * MiB, b"# padding\n")),
    Case("junk/gen/nul_byte.py", BINARY, _bytes(b"x = 1\n# \x00\n")),
    Case("junk/gen/latin1_module.py", NOT_UTF8, _text("# -*- coding: latin-1 -*-\nNAME = 'caf\u00e9'\n", "latin-1")),
    Case("junk/gen/bom_module.py", PARSED, _bytes(codecs.BOM_UTF8 + MODULE.encode())),
    Case("junk/gen/crlf_module.py", PARSED, _text(MODULE, newline="\r\n")),
    Case("junk/gen/deep_parens_10000.py", diag("too many nested parentheses"), _text("x = " + "(" * 10_000 + ")" * 10_000 + "\n")),
    # ---- CI
    Case("junk/.gitlab-ci.yml", INVALID_YAML),
    Case("junk/ci/cloudbuild.yaml", PARSED),
    Case("junk/ci/azure-pipelines.yml", PARSED),
    Case("junk/ci/nested/.gitlab-ci.yml", PARSED),
    Case("junk/ci/bitbucket-pipelines.yml", PARSED),
    # ---- env files and other text
    Case("junk/env/.env", PARSED),
    Case("junk/env/app.env", PARSED),
    Case("junk/gen/binary.env", BINARY, _bytes(b"SECRET=\x00\x01\x02\n")),
    Case("junk/misc/Procfile", PARSED),
    Case("junk/misc/Jenkinsfile", PARSED),
    Case("junk/misc/entrypoint.sh", PARSED),
    Case("junk/misc/README", PARSED),
    # ---- links, special files, permissions (generated; not committed)
    Case("junk/links/loop-a.yaml", OUTSIDE_LINK, _symlink("loop-b.yaml")),
    Case("junk/links/loop-b.yaml", OUTSIDE_LINK, _symlink("loop-a.yaml")),
    Case("junk/links/self.yaml", OUTSIDE_LINK, _symlink("self.yaml")),
    Case("junk/links/dangling.yaml", OUTSIDE_LINK, _symlink("no-such-file.yaml")),
    Case("junk/links/passwd.yaml", OUTSIDE_LINK, _symlink("/etc/passwd")),
    Case("junk/links/outside-dir", OUTSIDE_LINK, _symlink("/etc")),
    Case("junk/links/dev-zero.yaml", OUTSIDE_LINK, _symlink("/dev/zero")),
    Case("junk/links/dir-loop", DIR_LINK, _symlink(".")),
    Case("junk/links/up-to-root", DIR_LINK, _symlink("../..")),
    Case("junk/links/inside.json", PARSED, _symlink("../k8s/manifest.json"), note="a link to a file inside the tree is read"),
    Case("junk/special/fifo.yaml", info("not a regular file"), _fifo, note="opening a FIFO would block the audit"),
    Case("junk/special/unreadable.yaml", PARSED if IS_ROOT else diag("cannot read: Permission denied"), _unreadable(CONFIGMAP.format(name="unreadable").encode()),
         note="root reads it anyway"),
    Case("junk/special/unreadable-dir", IGNORED if IS_ROOT else diag("cannot list directory: Permission denied"), _unreadable_dir),
    Case("junk/special/evil\nname.yaml", UNPRINTABLE, _text("apiVersion: v1\nkind: [\n"), note="a newline in a file name",
         reported_as="junk/special/evil\\x0aname.yaml"),
    Case("junk/special/non-utf8-name-\udcff.yaml", UNPRINTABLE, _text("apiVersion: v1\nkind: [\n"), note="a file name that is not UTF-8",
         reported_as="junk/special/non-utf8-name-\\xff.yaml"),
    Case("junk/special/bad-dir-\udcfe", UNPRINTABLE, lambda t: (t.mkdir(), (t / "Dockerfile").write_text("RUN x\n")),
         note="nothing under a directory with an unprintable name is read", reported_as="junk/special/bad-dir-\\xfe"),
    # ---- in the places real repositories keep such files
    Case("deploy/base/zz-not-in-kustomization.yaml", INVALID_YAML),
    Case("deploy/base/zz-broken-list.yaml", INVALID_YAML),
    Case("deploy/overlays/prod/zz-broken-patch.yaml", INVALID_YAML),
    Case("deploy/overlays/dev/zz-alias-bomb.yaml", diag("alias bomb"), _text(alias_bomb())),
    Case("k8s/broken-service.json", INVALID_YAML),
    Case("parcelhub/Dockerfile", diag("Dockerfile without a FROM instruction")),
    Case("parcelhub/legacy_py2.py", PY_SYNTAX),
    Case("requirements-loop.txt", diag("-r include loop")),
    Case(".github/workflows/broken.yml", INVALID_YAML),
    Case("docker-compose.override.yml", INVALID_YAML),
    Case(".env", IGNORED, _bytes(PNG), note="git-ignored by the repository: never read"),
]


def materialize(root: Path, cases: list[Case] = CASES) -> None:
    """Write every case into ``root`` (committed files copied byte for byte, generators run)."""
    for case in cases:
        target = root / case.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if case.make is not None:
            case.make(target)
        else:
            target.write_bytes((CORPUS / case.path).read_bytes())


def restore_permissions(root: Path) -> None:
    """Undo chmod 000 so the temporary tree can be removed."""
    for case in CASES:
        target = root / case.path
        if target.exists() and not target.is_symlink():
            target.chmod(0o755 if target.is_dir() else 0o644)


__all__ = ["CASES", "CORPUS", "Case", "Expect", "alias_bomb", "deep_flow", "materialize", "restore_permissions"]
