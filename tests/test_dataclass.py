"""gongkai.core.dataclass behaves as the standard decorator: the same repr,
equality and hash on classes of every shape the package uses (frozen or not,
slots, fields left out of repr, compare or hash, inheritance, recursion), and
every dataclass of the package is made by it."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gongkai
from gongkai.core import dataclass as ours

# A field's options: (repr, compare, hash)
_OPTIONS = st.tuples(st.booleans(), st.booleans(), st.sampled_from([None, True, False]))
_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.decimals(allow_nan=False, places=2),
    st.tuples(st.integers(), st.text(max_size=3)),
)


def _pair(options: list[tuple[bool, bool, bool | None]], frozen: bool, slots: bool) -> tuple[type, type]:
    """The same class made by the standard decorator and by ours."""

    def make(decorator: Any) -> type:
        ns: dict[str, Any] = {"__annotations__": {}}
        for i, (rep, cmp, hsh) in enumerate(options):
            ns["__annotations__"][f"f{i}"] = "Any"
            ns[f"f{i}"] = dataclasses.field(default=None, repr=rep, compare=cmp, hash=hsh)
        cls = type("Shape", (), ns)
        cls.__qualname__ = "Outer.Shape"
        return decorator(frozen=frozen, slots=slots)(cls)  # type: ignore[no-any-return]

    return make(dataclasses.dataclass), make(ours.dataclass)


@settings(max_examples=150, deadline=None)
@given(
    options=st.lists(_OPTIONS, max_size=5),
    frozen=st.booleans(),
    slots=st.booleans(),
    data=st.data(),
)
def test_the_methods_agree_with_the_standard_decorator(
    options: list[tuple[bool, bool, bool | None]], frozen: bool, slots: bool, data: st.DataObject
) -> None:
    std, fast = _pair(options, frozen, slots)
    a = data.draw(st.lists(_VALUES, min_size=len(options), max_size=len(options)))
    b = data.draw(st.lists(_VALUES, min_size=len(options), max_size=len(options)))
    for x, y in ((a, b), (a, a), (a, [*a[:-1], *b[-1:]])):
        s1, s2, f1, f2 = std(*x), std(*y), fast(*x), fast(*y)
        assert repr(f1) == repr(s1)
        assert (f1 == f2) == (s1 == s2)
        assert (f1 != f2) == (s1 != s2)
        assert f1.__eq__(object()) is NotImplemented
        if frozen:
            assert hash(f1) == hash(s1)
            assert _refusal(f1) is _refusal(s1) is not None  # the standard __setattr__, made by dataclasses
        else:
            assert fast.__hash__ is None and std.__hash__ is None
            with pytest.raises(TypeError):
                hash(f1)


def _refusal(value: Any) -> type[BaseException] | None:
    try:
        value.f0 = 1
    except Exception as e:  # also what a slotted class without fields raises (TypeError)
        return type(e)
    return None


def test_a_subclass_is_never_equal_to_its_base() -> None:
    @ours.dataclass(frozen=True)
    class Base:
        a: int

    @ours.dataclass(frozen=True)
    class Child(Base):
        b: int = 0

    assert Base(1) != Child(1)
    assert Child(1, 2) == Child(1, 2) and hash(Child(1, 2)) == hash((1, 2))
    assert repr(Child(1, 2)) == "test_a_subclass_is_never_equal_to_its_base.<locals>.Child(a=1, b=2)"


def test_a_repr_that_recurses_shows_dots() -> None:
    @ours.dataclass
    class Node:
        items: list[Any]

    n = Node([Decimal("1.50")])
    n.items.append(n)
    assert repr(n) == "test_a_repr_that_recurses_shows_dots.<locals>.Node(items=[Decimal('1.50'), ...])"


def test_a_class_with_its_own_methods_keeps_them() -> None:
    @ours.dataclass(frozen=True)
    class Own:
        a: int

        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return 7

    assert Own(1) == Own(2) and hash(Own(1)) == 7


def test_every_dataclass_of_the_package_is_made_by_it() -> None:
    """A module that went back to ``from dataclasses import dataclass`` would
    pay for the compiled methods again on every command."""
    compiled = []
    for info in pkgutil.walk_packages(gongkai.__path__, "gongkai."):
        if info.name.endswith("__main__"):
            continue  # runs the command line
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == info.name and dataclasses.is_dataclass(value):
                eq = value.__dict__.get("__eq__")
                if eq is not None and eq.__code__ is not ours._eq(value, ours._getter(())).__code__:
                    compiled.append(value.__qualname__)
    assert compiled == []
