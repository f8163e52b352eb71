"""Every recipe in recipes/ with `verify.arm` added: each exported file's top-1 on x86 and on the aarch64 build of
its runtime under qemu (cortex-a76), their top-1 agreement and the largest output difference. Writes
benchmarks/results/arm_parity.json.

    .venv/bin/python benchmarks/arm_parity.py [RECIPE ...]   # needs `edgeopt arm setup`

Named recipes (paths relative to recipes/) run only those and add their rows to the JSON already written.

The recipes' own settings are kept; only `verify.arm: {cpu: cortex-a76}` is added (no gate), and bench is left
out (latency is not the question here, and emulated time is not latency). The technique recipes share one run
directory with resnet20_digits, as benchmarks/techniques.py does, so its data, build and train run once.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

import edgeopt

ROOT = Path(__file__).resolve().parents[1]
# EDGEOPT_ARM_PARITY_RUNS: where the runs go (a folder holding an earlier `edgeopt optimize` of the same recipe
# under the recipe file's name reuses its trained and exported stages: only verify runs again).
RUNS = Path(os.environ.get("EDGEOPT_ARM_PARITY_RUNS", ROOT / "runs" / "arm_parity"))
OUT = Path(__file__).resolve().parent / "results" / "arm_parity.json"
CPU = "cortex-a76"


def _with_arm(recipe: Path, dest: Path) -> Path:
    yaml = YAML()
    doc = yaml.load(recipe.read_text())
    doc.setdefault("verify", {})["arm"] = {"cpu": CPU}
    doc.pop("bench", None)
    doc.get("export", {}).pop("bundle", None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w") as fh:
        yaml.dump(doc, fh)
    return dest


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    recipes = sorted((ROOT / "recipes").glob("*.yaml")) + sorted((ROOT / "recipes" / "techniques").glob("*.yaml"))
    rows, machine = [], None
    if sys.argv[1:]:
        recipes = [ROOT / "recipes" / name for name in sys.argv[1:]]
        if OUT.is_file():
            kept = json.loads(OUT.read_text())
            rows, machine = [r for r in kept["rows"] if r["recipe"] not in sys.argv[1:]], kept["aarch64_machine"]
    for recipe in recipes:
        shared = recipe.parent.name == "techniques" or recipe.stem == "resnet20_digits"
        run_dir = RUNS / ("resnet20" if shared else recipe.stem)
        started = time.monotonic()
        report = edgeopt.optimize(
            _with_arm(recipe, RUNS / "recipes" / recipe.relative_to(ROOT / "recipes")),
            run_dir=run_dir,
            share_run_dir=shared,
        )
        machine = report["verify"]["arm"]["machine"]
        for a in report["artifacts"]:
            arm = a["accuracy"]["arm"]
            rows.append(
                {
                    "recipe": str(recipe.relative_to(ROOT / "recipes")),
                    "artifact": a["name"],
                    "top1_x86": arm["top1_x86"],
                    "top1_aarch64": arm["top1"],
                    "agreement": arm["agreement"],
                    "max_abs_diff": arm["max_abs_diff"],
                }
            )
            logging.info("%-32s %-16s %s", rows[-1]["recipe"], a["name"], {k: rows[-1][k] for k in list(rows[-1])[2:]})
        logging.info("%s: %.0f s", recipe.name, time.monotonic() - started)
        # after every recipe, so a long run stopped part-way keeps what it measured
        OUT.parent.mkdir(parents=True, exist_ok=True)
        done = sorted({r["recipe"] for r in rows})
        OUT.write_text(
            json.dumps({"cpu": CPU, "aarch64_machine": machine, "recipes": done, "rows": rows}, indent=2) + "\n"
        )
    logging.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
