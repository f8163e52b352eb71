"""TFLite's timing loop for runtime/measure.py. Standalone on purpose (numpy and ai_edge_litert only, no edgeopt
imports): a board target copies this file beside measure.py and runs it with the board's own Python."""

from __future__ import annotations

RUNTIME = "ai_edge_litert"


def open_model(path, threads: int, options: dict, random_input):
    """(run_once, bare_call, settings): run_once is what an app does per frame (set input, invoke, read output);
    bare_call is invoke() alone with the input set once, to measure what the harness adds."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    xnnpack = options.get("xnnpack", True)
    resolver = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interpreter = Interpreter(model_path=str(path), num_threads=threads, experimental_op_resolver_type=resolver)
    detail = interpreter.get_input_details()[0]
    shape = [1, *detail["shape"][1:]]
    if list(detail["shape"]) != shape:
        interpreter.resize_tensor_input(detail["index"], shape)
    interpreter.allocate_tensors()
    out_index = interpreter.get_output_details()[0]["index"]
    x = random_input(shape, detail["dtype"], np.random.default_rng(0))

    def run_once():
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(out_index)

    interpreter.set_tensor(detail["index"], x)
    return run_once, interpreter.invoke, {"runtime": RUNTIME, "threads": threads, "xnnpack": xnnpack}
