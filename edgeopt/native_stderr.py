"""Capture what C++ libraries write straight to file descriptor 2 (TensorFlow's absl logging, the TFLite
converter's progress prints, XNNPACK banners) and re-emit it through logging at DEBUG.

TF 2.21 ignores TF_CPP_MIN_LOG_LEVEL for its start-up lines, so without this every run opens with a screen of
CUDA and oneDNN notices that are not errors. Python-level exceptions are unaffected; the captured text is
logged at WARNING when the block raises, so nothing that explains a failure is hidden.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def captured_native_stderr(label: str) -> Iterator[None]:
    if os.environ.get("EDGEOPT_NATIVE_STDERR") == "1":  # opt out: see everything as it happens
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters): nothing to capture
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read().decode("utf-8", "replace").strip()
            if text:
                log.log(logging.WARNING if failed else logging.DEBUG, "%s (native output):\n%s", label, text)
