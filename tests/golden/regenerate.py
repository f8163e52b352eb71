"""Regenerate the committed golden run records: `make golden` (python -m tests.golden.regenerate).

Each recipe below runs for real; only its JSON records are kept (recipe.json, manifest.json, report.json and
every stage.json, in the run's own folder layout), no model files. The fast tests read them to check the gate,
the report renderers and comparison, sweep results, MLflow flattening and bench aggregation without running
TensorFlow. Regenerate after a change to what a stage records; tests/golden/test_golden.py's slow test says when
the committed records no longer have the shape a fresh run gives.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
KEEP = ("recipe.json", "manifest.json", "report.json")

# name -> (recipe text, files the recipe needs, made in the run folder)
RECIPES = {
    "tiny": None,  # tests/conftest.py TINY_RECIPE: both formats, float32 and int8, verify and bench
    "hostile-auto": """\
name: hostile-auto
data: {image_size: 16, channels: 1}
model: {path: hostile.keras}
quantize:
  {calibration_samples: 100, max_drop: 0.02, strategy: auto, fallbacks: [per_channel, calibration, float_layers]}
export: {tflite: [int8], onnx: [int8]}
verify: {max_drop: 1.0}
""",
}


def run(name: str, text: str, work: Path) -> Path:
    from click.testing import CliRunner

    from edgeopt.cli import cli

    (work / "recipe.yaml").write_text(text)
    if "hostile.keras" in text:
        from tests.hostile_model import save_hostile_model

        save_hostile_model(work / "hostile.keras")
    result = CliRunner().invoke(cli, ["optimize", str(work / "recipe.yaml"), "-o", str(work / "run")])
    if result.exit_code not in (0, 1):  # a missed gate is a record too
        raise SystemExit(f"{name}: edgeopt optimize exited {result.exit_code}:\n{result.output}")
    return work / "run"


def keep_records(run_dir: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in KEEP:
        shutil.copy(run_dir / name, out / name)
    for stage in sorted(run_dir.glob("*/stage.json")):
        (out / stage.parent.name).mkdir()
        shutil.copy(stage, out / stage.parent.name / "stage.json")


def main(names: list[str]) -> int:
    from tests.conftest import TINY_RECIPE

    for name in names or RECIPES:
        with tempfile.TemporaryDirectory(prefix=f"edgeopt-golden-{name}-") as work:
            run_dir = run(name, RECIPES[name] or TINY_RECIPE, Path(work))
            keep_records(run_dir, HERE / name)
        print(f"tests/golden/{name}: records of a fresh run written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
