"""Every file under tests/recipe/bad/ is a malformed recipe whose first line says what the error must contain:
`# expect: fragment | fragment ...`. Each is rejected before any work with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgeopt.errors import EXIT_USAGE, RecipeError
from edgeopt.recipe import load_recipe

CORPUS = sorted((Path(__file__).parent / "bad").glob("*.yaml"))


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_bad_recipe_gives_the_expected_message(path):
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    assert first.startswith("# expect: ")
    expected = [f.strip() for f in first.removeprefix("# expect: ").split("|")]
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    assert info.value.exit_code == EXIT_USAGE
    message = str(info.value)
    assert message.startswith(str(path)), message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in {message!r}"
