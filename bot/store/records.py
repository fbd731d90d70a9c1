"""Read-only records of model rows, for what a process keeps between requests.

A kept portfolio (`bot.pmo.portfolio_cache`) holds every project and the people booked on
them. As detached ORM instances each carried SQLAlchemy's state besides its values, about
1 KiB apiece: 14 MiB at 10,000 projects. A record has the model's columns as slots and
the model's own properties (`Project.title`, `Person.label`), and nothing else: code
reads it as it reads an instance, but nothing can change it and nothing lazy-loads
through it. Two records are equal when they are of the same model with the same values.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.models import Base


class Record:
    """A row's values by column name; see the module doc."""

    __slots__ = ()

    def __init__(self, *values: Any) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is a read-only record")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__[:3])
        return f"{type(self).__name__}({shown}, …)"


@cache
def record_type(model: type[Base]) -> type[Record]:
    """The record class of `model`: its column attributes, in the mapper's order, and its
    properties."""
    names = tuple(attribute.key for attribute in sa.inspect(model).column_attrs)
    properties = {name: value for name, value in vars(model).items() if isinstance(value, property)}
    namespace = {"__slots__": names, "__doc__": f"A read-only {model.__name__}.", **properties}
    return type(f"{model.__name__}Record", (Record,), namespace)


def _columns(model: type[Base]) -> list[sa.ColumnElement]:
    return [attribute.expression for attribute in sa.inspect(model).column_attrs]


# Values of these exact types that are equal are the same in every way, so records can
# share one object (not Decimal, whose 40 == 40.00).
SHARED_TYPES = frozenset({str, dt.date, dt.datetime})


def select_records(session: Session, query: sa.Select) -> list[Any]:
    """The rows `query` (a `select(Model)`, with its conditions and order) finds, as
    records of that model rather than ORM instances: read through Core, so no instance,
    identity map or state is made for them. Equal texts, dates and times share one object
    (10,000 projects repeat their types, statuses, customers and import times)."""
    model = query.column_descriptions[0]["entity"]
    make = record_type(model)
    shared: dict[tuple[type, Any, Any], Any] = {}

    def one(value: Any) -> Any:
        kind = type(value)
        if kind not in SHARED_TYPES:
            return value
        # A time's zone is part of it: equal instants in two zones are not the same value.
        return shared.setdefault((kind, value, getattr(value, "tzinfo", None)), value)

    rows = session.execute(query.with_only_columns(*_columns(model)))
    return [make(*map(one, row)) for row in rows]
