"""The one list of system needs: the set-up installs from it or says what to run; tests that declare a need skip
without it, and fail with CI=true."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from edgeopt.doctor import needs
from tests.conftest import REPO


def _gone(monkeypatch, *names: str, present: bool = False) -> None:
    for name in names:
        monkeypatch.setitem(needs.NEEDS, name, dataclasses.replace(needs.NEEDS[name], probe=lambda: present))


def test_as_another_user_install_prints_the_command_and_stops(monkeypatch, capsys):
    _gone(monkeypatch, "chromium", "sshd")
    monkeypatch.setattr(needs, "_root", lambda: False)
    monkeypatch.delenv("EDGEOPT_SKIP_SYSTEM_NEEDS", raising=False)
    assert needs.install("test") == 1
    err = capsys.readouterr().err
    assert "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends openssh-server chromium" in err
    monkeypatch.setenv("EDGEOPT_SKIP_SYSTEM_NEEDS", "1")
    assert needs.install("test") == 0
    assert "going on without them: sshd, chromium" in capsys.readouterr().err


def test_nothing_missing_means_nothing_is_installed(monkeypatch):
    for name, need in needs.NEEDS.items():
        monkeypatch.setitem(needs.NEEDS, name, dataclasses.replace(need, probe=lambda: True))
    monkeypatch.setattr(needs.subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("ran apt")))
    assert needs.install("test") == 0


def test_the_script_runs_with_the_standard_library_alone():
    # The set-up runs it with the system's Python before .venv exists: -I ignores site-packages and the user's env.
    out = subprocess.run(
        [sys.executable, "-I", "-S", str(REPO / "edgeopt/doctor/needs.py"), "check", "--for", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode in (0, 1), out.stderr
    assert out.stdout.startswith("venv ")


def test_a_test_with_a_missing_need_skips_and_fails_under_ci(pytester, monkeypatch):
    _gone(monkeypatch, "chromium")
    _gone(monkeypatch, "ssh", present=True)
    pytester.makeconftest("from tests.conftest import pytest_runtest_setup  # noqa: F401\n")
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.needs('chromium')\ndef test_render():\n    pass\n\n"
        "@pytest.mark.needs('ssh')\ndef test_present():\n    pass\n"
    )
    monkeypatch.delenv("CI", raising=False)
    result = pytester.runpytest("-ra")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*needs chromium (the report.html test*apt-get install*chromium*"])
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest("-ra")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*CI=true and a system need is missing: needs chromium*"])
