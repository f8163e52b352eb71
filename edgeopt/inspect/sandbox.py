"""Child-process side of `edgeopt inspect`: `python -m edgeopt.inspect.sandbox MODEL` prints the inspection as
one JSON line. Run by edgeopt.inspect.safety.run_limited, so a file that crashes or exhausts the runtime takes
down only this process."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("edgeopt.inspect.sandbox")


def main(argv: list[str]) -> int:
    from edgeopt.errors import EdgeoptError
    from edgeopt.inspect.model_file import inspect_file

    # stderr carries the refusal (the parent shows it as is); stdout carries the result, one JSON line.
    logging.basicConfig(level=logging.ERROR, format="%(message)s", stream=sys.stderr)
    try:
        info = inspect_file(Path(argv[0]))
    except EdgeoptError as exc:
        log.error("%s", exc)
        return exc.exit_code
    sys.stdout.write(json.dumps(info, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
