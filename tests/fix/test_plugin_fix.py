"""--twelvefactor-fix and --twelvefactor-fix-preview in a pytest run."""

from __future__ import annotations

from manifests import SERVICE, deployment

pytest_plugins = ["pytester"]


def _repo(pytester):
    pytester.makefile(".yaml", **{"k8s/deploy": deployment(3), "k8s/svc": SERVICE})
    return pytester


def test_fix_writes_the_kit_and_prints_the_preview(pytester, tmp_path):
    _repo(pytester)
    kit = tmp_path / "kit"
    result = pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "--twelvefactor-no-render",
                                f"--twelvefactor-fix={kit}", "--twelvefactor-fix-preview")
    result.stdout.fnmatch_lines(["*twelvefactor remediation kit*", "*change(s) for * item(s) written to*",
                                 "*Preview*Before / After*", "*Security*"])
    assert (kit / "README.md").is_file() and (kit / "kit.json").is_file()
    assert not list(pytester.path.rglob("twelvefactor-*.yaml"))


def test_preview_alone_keeps_no_kit(pytester):
    _repo(pytester)
    result = pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "--twelvefactor-no-render",
                                "--twelvefactor-fix-preview")
    result.stdout.fnmatch_lines(["*give --twelvefactor-fix DIR to keep them*", "*Cloud Native*"])


def test_fix_dir_inside_the_tree_is_a_usage_error(pytester):
    _repo(pytester)
    result = pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider",
                                f"--twelvefactor-fix={pytester.path / 'kit'}")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*inside the audited tree*"])
