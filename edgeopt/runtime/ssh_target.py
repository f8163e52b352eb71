"""Measure on a board over SSH: copy measure.py, the format's device module and the model, run them with the
board's own Python, bring the JSON back, and remove what was copied (also after a failure).

Uses the system OpenSSH client in batch mode. Host keys are verified against known_hosts; an unknown host is an
error unless the user explicitly accepts new keys (trust on first use is a decision, not a default).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from edgeopt.errors import RecipeError, ToolchainError

log = logging.getLogger(__name__)

MEASURE_SCRIPT = Path(__file__).with_name("measure.py")  # copied to the board with the format's device module


@dataclass(frozen=True)
class SshTarget:
    user: str | None
    host: str
    port: int = 22
    key: Path | None = None
    known_hosts: Path | None = None
    accept_new_host_key: bool = False
    python: str = "python3"
    timeout: float = 600

    @classmethod
    def parse(cls, url: str, **options) -> SshTarget:
        parsed = urlparse(url)
        if parsed.scheme != "ssh" or not parsed.hostname:
            raise RecipeError(f"target {url!r}: expected ssh://[user@]host[:port]")
        try:
            port = parsed.port or 22
        except ValueError:
            raise RecipeError(f"target {url!r}: the port must be a number") from None
        return cls(parsed.username, parsed.hostname, port, **options)

    @property
    def formats(self) -> tuple[str, ...]:
        """Every format: its device module goes to the board with measure.py (the board needs the runtime)."""
        from edgeopt.formats import FORMATS

        return tuple(FORMATS)

    @property
    def label(self) -> str:
        return f"ssh://{self.user + '@' if self.user else ''}{self.host}:{self.port}"

    def _options(self) -> list[str]:
        opts = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
        opts += ["-o", f"StrictHostKeyChecking={'accept-new' if self.accept_new_host_key else 'yes'}"]
        if self.known_hosts:
            opts += ["-o", f"UserKnownHostsFile={self.known_hosts}"]
        if self.key:
            opts += ["-i", str(self.key), "-o", "IdentitiesOnly=yes"]
        return opts

    def _dest(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host

    def _run(self, argv: list[str], what: str, timeout: float | None = None) -> str:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout or self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"{self.label}: {what} timed out after {timeout or self.timeout:g} s") from None
        if proc.returncode != 0:
            err = proc.stderr.strip()
            if "Host key verification failed" in err or "REMOTE HOST IDENTIFICATION HAS CHANGED" in err:
                raise ToolchainError(
                    f"{self.label}: host key not verified (unknown or changed). Check the key and add it to "
                    f"{self.known_hosts or '~/.ssh/known_hosts'} (ssh-keyscan -p {self.port} {self.host}), or pass "
                    "--accept-new-host-key (recipe: bench.accept_new_host_key: true) to trust it on first use"
                )
            tail = "\n".join(err.splitlines()[-5:])
            raise ToolchainError(f"{self.label}: {what} failed (exit {proc.returncode}): {tail}")
        return proc.stdout

    def ssh(self, command: str, what: str, timeout: float | None = None) -> str:
        return self._run(["ssh", "-p", str(self.port), *self._options(), self._dest(), command], what, timeout)

    @contextlib.contextmanager
    def _work_folder(self):
        """A fresh folder on the board, removed afterwards (also after a failure)."""
        remote = self.ssh("mktemp -d /tmp/edgeopt-XXXXXXXX", "creating a work folder", timeout=30).strip()
        if not remote.startswith("/tmp/edgeopt-"):
            raise ToolchainError(f"{self.label}: unexpected work folder {remote!r}")
        try:
            yield remote
        finally:
            try:
                self.ssh(f"rm -rf {shlex.quote(remote)}", "cleaning up", timeout=30)
            except ToolchainError as exc:  # keep the run's own error; say the cleanup failed too
                log.warning("%s: could not remove %s: %s", self.label, remote, exc)

    def _copy(self, files: list[Path], remote: str, what: str) -> None:
        if len({Path(c).name for c in files}) != len(files):
            raise ToolchainError(f"{self.label}: {files[-1].name} has the name of one of edgeopt's scripts; rename it")
        scp = ["scp", "-q", "-P", str(self.port), *self._options(), *map(str, files)]
        self._run([*scp, f"{self._dest()}:{remote}/"], what)

    def _result(self, out: str, model: Path) -> dict:
        try:
            return json.loads(out.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            raise ToolchainError(f"{self.label}: running {model.name} printed no result") from None

    def measure(self, model: Path, threads: int, settings) -> dict:
        """Copy measure.py, the format's device module and the model; run, fetch, clean up."""
        from edgeopt.formats import for_path

        device = for_path(model).device_module
        with self._work_folder() as remote:
            self._copy([MEASURE_SCRIPT, device, model], remote, "copying the model")
            args = settings.args(Path(f"{remote}/{model.name}"), threads, Path(f"{remote}/{device.name}"))
            cmd = " ".join(shlex.quote(a) for a in [self.python, f"{remote}/measure.py", *args])
            result = self._result(self.ssh(cmd, f"measuring {model.name}"), model)
        result["model"] = str(model)
        result["target"] = self.label
        return result

    def predict(self, model: Path, x) -> tuple:
        """(outputs, fingerprint) of `model` on the board for the float inputs `x`: device_predict.py, measure.py
        (its fingerprint) and the format's runner file go over with the model and the inputs."""
        import tempfile

        import numpy as np

        from edgeopt.runtime.device_outputs import files_to_copy, runner_arg

        with tempfile.TemporaryDirectory(prefix="edgeopt-ssh-") as work, self._work_folder() as remote:
            inputs = Path(work) / "golden_inputs.npy"
            np.save(inputs, np.asarray(x, np.float32))
            self._copy([*files_to_copy(model), inputs, model], remote, "copying the model")
            argv = [self.python, f"{remote}/device_predict.py", f"{remote}/{model.name}"]
            argv += ["--runner", runner_arg(model, Path(remote)), "--inputs", f"{remote}/{inputs.name}"]
            argv += ["--outputs", f"{remote}/golden_outputs.npy"]
            machine = self._result(self.ssh(" ".join(map(shlex.quote, argv)), f"running {model.name}"), model)
            scp = ["scp", "-q", "-P", str(self.port), *self._options()]
            self._run([*scp, f"{self._dest()}:{remote}/golden_outputs.npy", work], "fetching the outputs")
            return np.load(Path(work) / "golden_outputs.npy"), machine
