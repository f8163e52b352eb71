"""YAML text -> validated Recipe, with every problem reported as `file:line:col: key.path: message`."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from edgeopt.errors import RecipeError

MAX_RECIPE_BYTES = 1_000_000  # a recipe is a page of YAML; anything this big is a mistake or an attack
MAX_RECIPE_DEPTH = 16  # the schema nests 4 deep; YAML nested thousands deep exhausts the recursive builders
# Spellings people use for the schema's values, for "did you mean" where edit distance does not reach.
ALIASES = {
    "fp16": "float16",
    "fp32": "float32",
    "f16": "float16",
    "16x8": "int16x8",
    "int16": "int16x8",
    "w8a16": "int16x8",
    "qint8": "int8",
    "drq": "dynamic",
    "dynamic_range": "dynamic",
}


def load_recipe(path: str | Path):
    """Read and validate a recipe file. Raises RecipeError (exit 2) with file:line:col messages."""
    path = Path(path)
    raw = _read_capped(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RecipeError(f"{path}:{line}: recipe is not valid UTF-8 (byte {exc.start})") from None
    recipe = parse_recipe(text, source=str(path))
    check_referenced_files(recipe, text, path)
    return recipe


def _read_capped(path: Path) -> bytes:
    """The recipe's bytes, after checking what it is: a FIFO or a device (a symlink to /dev/zero) is refused
    before it is opened, and no more than the size limit is ever read."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise RecipeError(f"{path}: recipe file not found") from None
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read recipe: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise RecipeError(f"{path}: is a directory, expected a recipe YAML file")
    if not stat.S_ISREG(mode):
        raise RecipeError(f"{path}: is {_kind(mode)}, not a regular file; a recipe must be a YAML file")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_RECIPE_BYTES + 1)
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read recipe: {exc.strerror}") from None
    if len(raw) > MAX_RECIPE_BYTES:
        raise RecipeError(f"{path}: recipe is over {MAX_RECIPE_BYTES:,} bytes; the limit is {MAX_RECIPE_BYTES:,}")
    return raw


def _kind(mode: int) -> str:
    import stat

    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "a socket or other special file")


def check_referenced_files(recipe, text: str, path: Path) -> None:
    """Files the recipe names must exist (relative to the recipe); a .keras model's input must fit the data."""
    from ruamel.yaml import YAML

    doc = YAML(typ="rt", pure=True).load(text)
    problems = []
    refs = [(("data", "path"), recipe.data.path), (("model", "path"), recipe.model.path)]
    refs.append((("model", "weights"), recipe.model.weights))
    for loc, value in refs:
        if value is None:
            continue
        target = path.parent / value
        line, col = _locate(doc, loc, key_itself=False)
        if not target.exists():
            problems.append(f"{path}:{line + 1}:{col + 1}: {'.'.join(loc)}: '{value}' not found (looked for {target})")
        elif loc == ("data", "path"):
            problems += _data_path_kind(recipe, target, f"{path}:{line + 1}:{col + 1}: data.path")
        elif loc == ("model", "path") and target.suffix == ".keras":
            problems += _model_fits_data(recipe, target, f"{path}:{line + 1}:{col + 1}: model.path")
    if recipe.data.source == "digits":  # the recipe alone decides the digits' size; other data is checked on read
        from edgeopt.data import memory_problem
        from edgeopt.data.sources import DIGITS_SAMPLES

        d = recipe.data
        problem = memory_problem(DIGITS_SAMPLES, d.image_size, d.channels, d.layout, d.frames)
        if problem:
            line, col = _locate(doc, ("data", "image_size"), key_itself=False)
            problems.append(f"{path}:{line + 1}:{col + 1}: data.image_size: {problem}")
    if problems:
        head = f"{len(problems)} problems in the recipe:\n" if len(problems) > 1 else ""
        raise RecipeError(head + "\n".join(problems), problems)


def _data_path_kind(recipe, target: Path, where: str) -> list[str]:
    from edgeopt.data.sources import check_kind
    from edgeopt.errors import InputRejected

    try:
        check_kind(target, folder=recipe.data.source == "folder")
    except InputRejected as exc:
        return [f"{where}: {exc}"]
    return []


def _model_fits_data(recipe, model_path: Path, where: str) -> list[str]:
    from edgeopt.errors import InputRejected
    from edgeopt.models.user_model import read_keras_file

    try:
        info = read_keras_file(model_path)
    except InputRejected as exc:
        return [f"{where}: {exc}"]
    data = recipe.data
    expected = (data.image_size, data.image_size, data.channels)
    if info.input_shape and tuple(info.input_shape) != expected:
        h, w, c = info.input_shape
        return [
            f"{where}: the model takes {h}x{w}x{c} inputs but data gives {expected[0]}x{expected[1]}x{expected[2]}; "
            f"set data.image_size: {h} and data.channels: {c}"
        ]
    return []


def parse_recipe(text: str, source: str = "<recipe>"):
    from pydantic import ValidationError
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from edgeopt.recipe.schema import Recipe

    if not text.strip():
        raise RecipeError(f"{source}:1:1: recipe is empty; expected a mapping with at least 'name'")
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        _refuse_unbounded(yaml, text, source)
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise RecipeError(f"{where}: YAML error: {_one_line(problem)}") from None
    except YAMLError as exc:
        raise RecipeError(f"{source}: YAML error: {_one_line(str(exc))}") from None
    if doc is None:  # only comments
        raise RecipeError(f"{source}:1:1: recipe is empty; expected a mapping with at least 'name'")
    if not isinstance(doc, dict):
        kind = "a list" if isinstance(doc, list) else f"a single value ({doc!r})"
        raise RecipeError(f"{source}:1:1: the recipe must be a mapping of sections; received {kind}")
    try:
        return Recipe.model_validate(_plain(doc))
    except ValidationError as exc:
        problems = [msg for _, msg in sorted(_describe(err, doc, source) for err in exc.errors())]
        head = f"{len(problems)} problems in the recipe:\n" if len(problems) > 1 else ""
        raise RecipeError(head + "\n".join(problems), problems) from None


def _refuse_unbounded(yaml, text: str, source: str) -> None:
    """Refuse, from the event stream and before anything is built, what expands or recurses without bound: any
    alias (a handful of nested ones is a "billion laughs" file) and nesting deeper than any recipe needs."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    depth = 0
    for event in yaml.parse(text):
        mark = event.start_mark
        if isinstance(event, AliasEvent):
            raise RecipeError(
                f"{source}:{mark.line + 1}:{mark.column + 1}: YAML alias '*{event.anchor}': recipes do "
                "not allow aliases (nested ones expand without bound); write the value out"
            )
        tag = getattr(event, "tag", None) if isinstance(event, NodeEvent) else None
        if tag and not tag.startswith("tag:yaml.org,2002:"):
            raise RecipeError(
                f"{source}:{mark.line + 1}:{mark.column + 1}: YAML tag '{tag}': recipes do not use tags; "
                "write the plain value"
            )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_RECIPE_DEPTH:
                raise RecipeError(
                    f"{source}:{mark.line + 1}:{mark.column + 1}: YAML nested more than {MAX_RECIPE_DEPTH} "
                    "levels deep; a recipe's sections nest at most 4"
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers -> plain dict/list so pydantic's strict mode accepts them."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _locate(doc: Any, loc: tuple, key_itself: bool) -> tuple[int, int] | None:
    """0-based (line, col) of the node at `loc` in the ruamel tree, or of its nearest existing parent."""
    node, pos = doc, (getattr(doc.lc, "line", 0), getattr(doc.lc, "col", 0))
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and part in node:
            pos = node.lc.key(part) if (last and key_itself) else node.lc.value(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            pos = node.lc.item(part)
            node = node[part]
        else:
            break
    return pos


def _allowed_keys(loc: tuple) -> list[str]:
    from edgeopt.recipe.schema import Recipe

    model: Any = Recipe
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return []
        ann = field.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        model = next((c for c in candidates if isinstance(c, type) and hasattr(c, "model_fields")), None)
        if model is None:
            return []
    return list(model.model_fields)


def _describe(err: dict, doc: Any, source: str) -> tuple[tuple[int, int], str]:
    """((line, col), message) for one pydantic error."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = err["type"]
    head, sep, rest = err["msg"].removeprefix("Value error, ").partition(": ")
    if not loc and sep and isinstance(doc, dict) and head in doc:
        # A cross-section check names the section it is about: point there, not at the top of the file.
        loc, err = (head,), {**err, "msg": rest}
    line, col = _locate(doc, loc, key_itself=kind == "extra_forbidden") or (0, 0)
    where = f"{source}:{line + 1}:{col + 1}"
    return (line, col), _message(err, loc, where)


def _message(err: dict, loc: tuple, where: str) -> str:
    kind = err["type"]
    path = ".".join(str(p) for p in loc) or "(top level)"
    received = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else "."
        return f"{where}: {path}: unknown key{hint} Allowed keys: {', '.join(allowed)}"
    if kind == "missing":
        return f"{where}: {path}: required key is missing"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'|(\b\d+\b)", err["ctx"]["expected"])
        values = [a or b for a, b in allowed]
        alias = ALIASES.get(str(received).lower())
        close = [alias] if alias in values else difflib.get_close_matches(str(received), values, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else "."
        return f"{where}: {path}: received {received!r}{hint} Allowed: {', '.join(values)}"
    message = err["msg"].removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error") or loc == ():
        return f"{where}: {path}: {message}"
    return f"{where}: {path}: {message}; received {received!r}"
