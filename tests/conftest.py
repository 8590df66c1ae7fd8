"""Shared test helpers: build small repositories from a dict of files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_twelvefactor.checks import load_builtin
from pytest_twelvefactor.model.repository import Repository

REPOS = Path(__file__).parent / "repos"
EXAMPLES = Path(__file__).parent.parent / "conftest_examples"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_repo(tmp_path):
    """``make_repo({"Dockerfile": "FROM python:3.12-slim\\n"})`` -> Repository."""

    def build(files: dict[str, str | bytes], **kwargs) -> Repository:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        write_tree(root, files)
        return Repository(root, **kwargs)

    return build


@pytest.fixture
def evaluate(make_repo):
    """``evaluate("factor05.build-stages", files)`` -> Result of that item's evaluator."""
    evaluators = load_builtin()

    def run(item_id: str, files: dict[str, str | bytes], **kwargs):
        repo = make_repo(files, **kwargs)
        return evaluators[item_id](repo)

    return run
