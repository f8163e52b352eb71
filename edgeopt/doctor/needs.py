"""What edgeopt needs from the system rather than from PyPI, listed once.

The set-up path (`make demo`, `make test`, `.ci/run`) installs from this table, `edgeopt doctor` reports it, and
tests declare what they use with `@pytest.mark.needs("sshd", ...)`. Standard library only: it runs before .venv
exists, as a script:

    python3 edgeopt/doctor/needs.py install --for demo|test   # as root: apt-get install what is missing
    python3 edgeopt/doctor/needs.py check --for test          # list what is missing; exit 1 if anything is

As another user, `install` prints the exact command to run and exits 1 before any long work starts;
EDGEOPT_SKIP_SYSTEM_NEEDS=1 goes on without them (the tests that need them are then skipped).
"""

from __future__ import annotations

import argparse
import ctypes.util
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Need:
    name: str
    apt: str | None  # the Debian package that provides it; None when no package can (root)
    used_by: str
    groups: tuple[str, ...]  # "demo": make demo; "test": make test; "optional": a feature users may want
    probe: Callable[[], bool]

    def present(self) -> bool:
        return self.probe()

    @property
    def fix(self) -> str:
        if self.name == "arm":
            return "edgeopt arm setup (make test runs it)"
        if self.apt is None:
            return "run as root"
        return install_command([self])


def _command(*names: str) -> Callable[[], bool]:
    return lambda: all(shutil.which(n) for n in names)


def _file(path: str) -> Callable[[], bool]:
    return lambda: Path(path).is_file()


def _library(name: str) -> Callable[[], bool]:
    return lambda: ctypes.util.find_library(name) is not None


def _venv() -> bool:
    # Debian splits venv's pip bootstrap (ensurepip) into python3.X-venv; `python3 -m venv` fails without it.
    return importlib.util.find_spec("ensurepip") is not None and importlib.util.find_spec("venv") is not None


def _root() -> bool:
    return os.geteuid() == 0


def _arm_stack() -> bool:
    """edgeopt/arm/stack.py, loaded by path: this script runs before edgeopt is importable."""
    spec = importlib.util.spec_from_file_location("_edgeopt_arm_stack", Path(__file__).parents[1] / "arm" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.is_installed()


NEEDS: dict[str, Need] = {
    n.name: n
    for n in (
        Need(
            "venv",
            f"python3.{sys.version_info.minor}-venv",
            "creating .venv (python3 -m venv)",
            ("demo", "test"),
            _venv,
        ),
        Need(
            "ssh",
            "openssh-client",
            "edgeopt bench --target ssh:// (ssh, scp)",
            ("test", "optional"),
            _command("ssh", "scp", "ssh-keygen"),
        ),
        Need(
            "sshd",
            "openssh-server",
            "the SSH-target tests (a real sshd on 127.0.0.1)",
            ("test",),
            _file("/usr/sbin/sshd"),
        ),
        Need("chromium", "chromium", "the report.html test (headless rendering)", ("test",), _command("chromium")),
        Need(
            "libusb",
            "libusb-1.0-0",
            "comparing edgeopt's TFLite metadata with tflite-support's native writer (a test; bundles need no libusb)",
            ("test",),
            _library("usb-1.0"),
        ),
        Need("iproute2", "iproute2", "the Ray test (a loopback-only network namespace)", ("test",), _command("ip")),
        Need("root", None, "the Ray test (creating a network namespace)", ("test",), _root),
        Need(
            "arm",
            None,
            "the emulated aarch64 target (emulated:aarch64) and its tests; from Debian's and PyPI's registries",
            ("test", "optional"),
            _arm_stack,
        ),
        Need(
            "adb",
            "adb",
            "edgeopt bench --target adb:// (an Android phone over USB; the doctor test expects every optional part)",
            ("test", "optional"),
            _command("adb"),
        ),
    )
}


def _sudo() -> str:
    return "" if _root() else "sudo "


def missing(group: str) -> list[Need]:
    return [n for n in NEEDS.values() if group in n.groups and not n.present()]


def install_command(needs: list[Need]) -> str:
    packages = " ".join(n.apt for n in needs if n.apt)
    return f"{_sudo()}apt-get update && {_sudo()}apt-get install -y --no-install-recommends {packages}"


def _say(text: str) -> None:
    sys.stderr.write(f"edgeopt set-up: {text}\n")


def install(group: str) -> int:
    """Install what `group` needs (as root), or say exactly what to run. 0 when everything is there."""
    todo = missing(group)
    packages = [n for n in todo if n.apt]
    if packages and _root():
        _say("installing " + ", ".join(f"{n.apt} ({n.used_by})" for n in packages))
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *(n.apt for n in packages)],
            check=True,
            env=env,
        )
        todo = missing(group)
    if not todo:
        return 0
    for n in todo:
        _say(f"missing {n.name}: needed for {n.used_by}")
    skip = os.environ.get("EDGEOPT_SKIP_SYSTEM_NEEDS") == "1"
    if [n for n in todo if n.apt]:
        _say(f"run: {install_command(todo)}")
        if not skip:
            _say("or set EDGEOPT_SKIP_SYSTEM_NEEDS=1 to go on without them (tests that need them are skipped)")
            return 1
    if group == "demo" and any(n.name == "venv" for n in todo):
        return 1  # no way to go on without venv
    _say("going on without them: " + ", ".join(n.name for n in todo))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["install", "check"])
    parser.add_argument("--for", dest="group", choices=["demo", "test", "optional"], default="demo")
    args = parser.parse_args(argv)
    if args.action == "install":
        return install(args.group)
    todo = missing(args.group)
    for n in NEEDS.values():
        if args.group in n.groups:
            fix = f"  fix: {n.fix}" if n in todo else ""
            sys.stdout.write(f"{n.name:9} {'missing' if n in todo else 'ok':8} {n.used_by}{fix}\n")
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
