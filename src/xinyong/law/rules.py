"""The registry of every rule the platform enforces: ``@rule("Art. 11")``.

A rule is a pure function in some domain's ``rules.py``; registering it records its id, its
article, a one-line summary (the first line of its docstring) and where it is defined, so that
``xinyong law map`` can show a lawyer what implements each article.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Rule:
    id: str
    article: str  # canonical "Art. N.P(I)" form
    summary: str
    source: str  # "path/to/module.py:LINE"
    func: Callable


REGISTRY: dict[str, Rule] = {}


def rule(article: str, *, id: str | None = None, summary: str | None = None) -> Callable[[F], F]:
    """Register ``func`` as the rule implementing ``article`` (checked against the text)."""
    from .articles import ArticleRef  # local: articles loads the packaged text lazily

    ref = ArticleRef.parse(article)

    def decorate(func: F) -> F:
        module = func.__module__.removeprefix("xinyong.")
        rule_id = id or f"{module.removesuffix('.rules')}.{func.__name__}"
        doc = inspect.getdoc(func) or ""
        line = summary or (doc.splitlines()[0] if doc else func.__name__)
        # The definition's file and first line from its code object: what ``inspect.getsourcelines`` gives,
        # without tokenizing the module's source once per rule (a third of a rules module's import).
        code = getattr(inspect.unwrap(func), "__code__", None)
        src = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else func.__module__
        existing = REGISTRY.get(rule_id)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"duplicate rule id {rule_id}")
        REGISTRY[rule_id] = Rule(rule_id, ref.canonical, line, src, func)
        func.__rule__ = REGISTRY[rule_id]  # type: ignore[attr-defined]
        return func

    return decorate


def load_all() -> dict[str, Rule]:
    """Import every ``xinyong.<domain>.rules`` module so the registry is complete."""
    import xinyong  # noqa: PLC0415 - dynamic discovery, not a dependency of the kernel

    for mod in pkgutil.iter_modules(xinyong.__path__):
        if mod.ispkg:
            name = f"xinyong.{mod.name}.rules"
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
    return REGISTRY
