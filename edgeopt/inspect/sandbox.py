"""Child-process side of `edgeopt inspect`: `python -m edgeopt.inspect.sandbox MODEL` prints the inspection as
one JSON line. Run by edgeopt.inspect.safety.run_limited, so a file that crashes or exhausts the runtime takes
down only this process."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from edgeopt.errors import EdgeoptError
    from edgeopt.inspect.model_file import inspect_file

    try:
        info = inspect_file(Path(argv[0]))
    except EdgeoptError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    print(json.dumps(info, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
