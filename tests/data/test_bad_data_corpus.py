"""The corpus of bad datasets (issue 15's D5-D7 among them): each ends fast with exit 3 and a one-line message,
never an "unexpected" exit 4, a hang or a memory blow-up. Made here, deterministically, since a decompression
bomb or a FIFO cannot be committed."""

from __future__ import annotations

import os
import struct
import time
import zlib

import numpy as np
import pytest

from edgeopt.data import load_dataset
from edgeopt.errors import InputRejected
from edgeopt.recipe.schema import DataConfig


def _npz(path, x, y=None):
    y = np.arange(len(x)) % 2 if y is None else y
    np.savez(path, x_train=x, y_train=y, x_test=x, y_test=y)


def rgba(path):  # D7
    _npz(path, np.zeros((8, 8, 8, 4), np.uint8) + np.arange(8, dtype=np.uint8)[:, None, None, None])


def no_pixels(path):  # D7: images of shape (N, 0, 8)
    _npz(path, np.zeros((8, 0, 8), np.uint8))


def text_file(path):  # the first line of /etc/passwd, named .npz
    path.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")


def fifo(path):  # D6: would block the first read forever
    os.mkfifo(path)


def png_bomb(path):  # D7: a 30000 x 30000 PNG header over a few bytes of data
    (path / "a").mkdir(parents=True)
    (path / "b").mkdir()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    for cls in ("a", "b"):
        for i in range(2):
            (path / cls / f"{i}.png").write_bytes(png)


def too_many_pixels(path):  # D5 from the data: 4,000 images the recipe asks to make 1024 x 1024 clips of
    x = np.zeros((2000, 8, 8), np.uint8)
    x[:, 0, 0] = np.arange(2000) % 255
    _npz(path, x)


CORPUS = {
    "rgba": ("npz", rgba, 16, "received 4 (RGBA? drop the alpha channel"),
    "no-pixels": ("npz", no_pixels, 16, "hold no pixels"),
    "text-file": ("npz", text_file, 16, "not an .npz file"),
    "fifo": ("npz", fifo, 16, "not a regular file"),
    "png-bomb": ("folder", png_bomb, 16, "unreadable image"),
    "too-many-pixels": ("npz", too_many_pixels, 1024, "of memory to prepare"),
}


@pytest.mark.parametrize("case", CORPUS)
def test_bad_data_is_refused_fast_with_exit_3(tmp_path, case):
    source, make, size, message = CORPUS[case]
    path = tmp_path / ("data.npz" if source == "npz" else "images")
    make(path)
    start = time.perf_counter()
    with pytest.raises(InputRejected) as info:
        # Images are resized a chunk at a time (nothing to refuse); clips are built whole, so they are checked
        layout = {"layout": "clip", "frames": 64} if case == "too-many-pixels" else {}
        load_dataset(DataConfig(source=source, path=str(path), image_size=size, channels=3, **layout), seed=0)
    assert time.perf_counter() - start < 5
    assert info.value.exit_code == 3
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)
