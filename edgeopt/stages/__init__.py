"""Pipeline stages: one module each, one entry point `run(ctx) -> StageOutput`. Only pipeline/plan.py orders them."""
