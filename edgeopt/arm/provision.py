"""`edgeopt arm setup`: build the emulated aarch64 stack in the user's cache, from the registries only.

Nothing touches the system's package database: apt-get downloads with a state folder, sources list and status file
of its own (so it reaches Debian 13 and the arm64 architecture from Debian 12), dpkg -x unpacks, pip downloads the
aarch64 wheels and they are unzipped onto the stack's site folder. The stack is built in a temporary folder next to
its final place and renamed into it last, so an interrupted or offline run leaves no partial cache; a finished
stack is found by its manifest and not fetched again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from edgeopt.arm import stack
from edgeopt.errors import ToolchainError

log = logging.getLogger(__name__)
MANIFEST = stack.MANIFEST
cache_root, stack_dir = stack.cache_root, stack.stack_dir


def installed() -> dict | None:
    """The manifest of the finished stack, or None."""
    try:
        return json.loads((stack_dir() / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


OFFLINE_FIX = (
    "the aarch64 stack comes from deb.debian.org and PyPI (about 135 MB): connect this machine to them (or set "
    "EDGEOPT_DEBIAN_MIRROR to a Debian mirror and pip's index to a PyPI mirror), then run `edgeopt arm setup` again"
)


def setup(mirror: str | None = None) -> tuple[dict, bool]:
    """(manifest, fetched now). ToolchainError (exit 4) with the fix when a registry cannot be reached."""
    done = installed()
    if done is not None:
        return done, False
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise ToolchainError(f"arm setup needs {tool} (Debian or Ubuntu); it is not on PATH")
    mirror = mirror or os.environ.get("EDGEOPT_DEBIAN_MIRROR") or stack.DEBIAN_MIRROR
    final = stack_dir()
    final.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".building-", dir=final.parent) as work:
        w = Path(work)
        files: dict[str, str] = {}
        suite, arch, packages = stack.QEMU
        debs = _apt_download(w / "apt-qemu", mirror, suite, arch, packages)
        _unpack_debs(debs, w / "qemu-tree", files)
        (w / "stack" / "bin").mkdir(parents=True)
        shutil.copy2(w / "qemu-tree" / "usr" / "bin" / "qemu-aarch64", w / "stack" / "bin" / "qemu-aarch64")
        suite, arch, packages = stack.SYSROOT
        _unpack_debs(_apt_download(w / "apt-sysroot", mirror, suite, arch, packages), w / "stack" / "sysroot", files)
        _wheels(w / "wheels", w / "stack" / "site", files)
        manifest = {
            "stack": stack.stack_key(),
            "qemu": stack.QEMU[0],
            "sysroot": f"debian {stack.SYSROOT[0]} {stack.SYSROOT[1]}",
            "wheels": list(stack.WHEELS),
            "sha256": files,
            "seconds": round(time.monotonic() - start, 1),
        }
        _smoke(w / "stack")
        (w / "stack" / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        try:
            os.replace(w / "stack", final)  # last: the cache holds a whole stack or none
        except OSError:
            if installed() is None:  # not another process that finished the same stack first
                raise
    log.info("arm: stack ready in %s (%.1f s)", final, manifest["seconds"])
    return manifest, True


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False)
    if proc.returncode != 0:
        err = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        detail = next(
            (line for line in reversed(err) if line.startswith(("E:", "ERROR", "Err"))), err[-1] if err else ""
        )
        raise ToolchainError(f"arm setup: {what} failed ({detail.strip()}); {OFFLINE_FIX}")


def _apt_download(state: Path, mirror: str, suite: str, arch: str, packages: tuple[str, ...]) -> list[Path]:
    log.info("arm: fetching %s from Debian %s (%s)", ", ".join(packages), suite, arch)
    for sub in ("lists/partial", "cache/archives/partial", "debs"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    (state / "status").touch()
    (state / "sources.list").write_text(f"deb [arch={arch} signed-by={stack.KEYRING}] {mirror} {suite} main\n")
    opts = [
        f"-oAPT::Architecture={arch}",
        f"-oAPT::Architectures::={arch}",
        f"-oDir::State={state}",
        f"-oDir::State::Lists={state / 'lists'}",
        f"-oDir::State::status={state / 'status'}",
        f"-oDir::Cache={state / 'cache'}",
        f"-oDir::Etc::SourceList={state / 'sources.list'}",
        "-oDir::Etc::SourceParts=/dev/null",
        "-oAcquire::Retries=1",
        "-oAcquire::http::Timeout=20",
    ]
    if os.geteuid() == 0:  # apt's _apt sandbox user cannot write into a private folder
        opts.append("-oAPT::Sandbox::User=root")
    _run(["apt-get", *opts, "update"], f"apt-get update for Debian {suite}")
    if not any((state / "lists").glob("*_Packages*")):  # apt-get update exits 0 when it reaches no mirror
        raise ToolchainError(f"arm setup: could not reach {mirror} (Debian {suite} {arch}); {OFFLINE_FIX}")
    _run(["apt-get", *opts, "download", *packages], f"apt-get download from Debian {suite}", cwd=state / "debs")
    return sorted((state / "debs").glob("*.deb"))


def _unpack_debs(debs: list[Path], dest: Path, files: dict[str, str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        files[deb.name] = _sha256(deb)
        _run(["dpkg", "-x", str(deb), str(dest)], f"dpkg -x {deb.name}")


def _wheels(download: Path, site: Path, files: dict[str, str]) -> None:
    log.info("arm: fetching aarch64 wheels %s from PyPI", ", ".join(stack.WHEELS))
    platforms = [a for p in stack.WHEEL_PLATFORMS for a in ("--platform", p)]
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--no-deps", *platforms]
    cmd += ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "-d", str(download)]
    _run([*cmd, *stack.WHEELS], "pip download of the aarch64 wheels")
    site.mkdir(parents=True)
    for wheel in sorted(download.glob("*.whl")):
        files[wheel.name] = _sha256(wheel)
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(site)
    for so in site.rglob("*.so*"):  # zip extraction drops the executable bit shared libraries need
        so.chmod(0o755)


def _smoke(root: Path) -> None:
    """The emulated Python imports both runtimes, or the stack is not kept."""
    from edgeopt.arm.emulator import command, environment

    script = "import platform, numpy, onnxruntime, ai_edge_litert.interpreter; print(platform.machine())"
    cmd = command(["-c", script], stack.DEFAULT_CPU, root)
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=environment(stack.DEFAULT_CPU, root), timeout=300, check=False
    )
    if proc.returncode != 0 or proc.stdout.strip() != "aarch64":
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolchainError(f"arm setup: the emulated Python did not start the runtimes: {tail}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
