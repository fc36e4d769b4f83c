"""Pydantic validation errors -> located problems, with "did you mean" for unknown fields.

Also the checks of numbers every document shares (for ``field_validator``): ``not_bool`` (YAML's true and
false are not numbers, though pydantic reads them as 1 and 0) and ``int64`` (what a vendor's JSON API can
carry; for floats, ``Field(allow_inf_nan=False)`` keeps out what JSON cannot). A model's validator may name
the rule a value breaks with ``PydanticCustomError(type, message, {"rule": "UIS-16"})``.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from reconciler.errors import Problem
from reconciler.model import Located, Path

SCHEMA = "SCHEMA"
M = TypeVar("M", bound=BaseModel)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MODEL_TYPE = "Input should be a valid dictionary"
"""Said for a nested model's value that is no mapping (pydantic would name the model's class)."""


def not_bool(value: Any) -> Any:
    """Before a number field: true and false are refused rather than read as 1 and 0."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "Input should be a number, not {value}",
                                  {"value": str(value).lower()})
    return value


def int64(value: int | None) -> int | None:
    """After an integer field: within 64 bits, the most a vendor's API takes."""
    if value is not None and not INT64_MIN <= value <= INT64_MAX:
        raise PydanticCustomError("int64", "Input should be a 64-bit integer (from {min} to {max})",
                                  {"min": INT64_MIN, "max": INT64_MAX})
    return value


Int64 = Annotated[int, BeforeValidator(not_bool), AfterValidator(int64)]
"""An integer field of a document: a boolean is refused, and so is anything beyond 64 bits."""


class LazyModel(BaseModel):
    """The base of reconciler's models. Pydantic builds a model's validator and serializer when the model is
    first used rather than when its module is imported (``defer_build``): a command builds only the models it
    validates with (``validate`` no sandbox seed or live-campaign model), and a nested model only as part of
    the model that holds it."""

    model_config = ConfigDict(defer_build=True)


def validate(model: type[M], data: Any, source: Located, prefix: Path = (),
                           rules: Mapping[str, str] | None = None) -> tuple[M | None, list[Problem]]:
    """Validate ``data`` (found at ``prefix`` in ``source``); problems carry positions and rule ids."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from(exc, model, source, prefix, rules or {})


def problems_from(exc: ValidationError, model: type[BaseModel], source: Located, prefix: Path,
                  rules: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc: Path = tuple(err["loc"])
        path = (*prefix, *loc)
        rule = (err.get("ctx") or {}).get("rule") or rule_for(loc, rules)
        if err["type"] == "extra_forbidden":
            known = fields_at(model, loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
            msg = f"unknown field '{loc[-1]}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
            problems.append(Problem(source.pos(path, key=True), rule, msg))
        elif err["type"] == "missing":
            problems.append(Problem(source.pos(path[:-1]), rule, f"missing required field '{loc[-1]}'"))
        else:
            where = dotted(loc)
            msg = MODEL_TYPE if err["type"] == "model_type" else err["msg"]  # not the model's class name
            problems.append(Problem(source.pos(path), rule, f"{where}: {msg}" if where else msg))
    return problems


MODEL_TYPE = "Input should be a valid dictionary"


def dotted(loc: Path) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def rule_for(loc: Path, rules: Mapping[str, str]) -> str:
    """The rule id declared for the longest matching field-name prefix of ``loc``."""
    names = [p for p in loc if isinstance(p, str)]
    for n in range(len(names), 0, -1):
        rule = rules.get(".".join(names[:n]))
        if rule:
            return rule
    return SCHEMA


def fields_at(model: type[BaseModel], loc: Path) -> list[str]:
    """Field names valid at ``loc`` inside ``model`` (through lists, dicts and optionals)."""
    tp: Any = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    inner = _model_in(tp)
    return list(inner.model_fields) if inner is not None else []


def _step(tp: Any, part: str | int) -> Any:
    inner = _model_in(tp)
    if inner is not None and isinstance(part, str) and part in inner.model_fields:
        return inner.model_fields[part].annotation
    for arg in _args(tp):
        origin = get_origin(arg) or arg
        if origin in (list, tuple) and isinstance(part, int):
            return get_args(arg)[0]
        if origin is dict:
            return get_args(arg)[1]
    return None


def _args(tp: Any) -> list[Any]:
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if a is not type(None)]
    return [tp]


def _model_in(tp: Any) -> type[BaseModel] | None:
    for arg in _args(tp):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
