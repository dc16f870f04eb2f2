"""House rules checked by tests: one-way dependencies between domains, and every rule tested."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from xinyong.law.rules import load_all

SRC = Path(__file__).resolve().parents[1] / "src" / "xinyong"
TESTS = Path(__file__).resolve().parent

# Reference data ← record ← inquiry ← (objection, listing, measure, grading) ← report; audit by all.
LAYERS = {
    "law": 0,
    "audit": 1,
    "subject": 2, "unit": 2, "catalog": 2, "notice": 2,  # notices: written by record, objection, measure
    "record": 3,
    "inquiry": 4, "consent": 4,
    "objection": 5, "listing": 5, "measure": 5, "grading": 5, "restoration": 5, "commitment": 5,
    "report": 6, "exchange": 6, "oversight": 6,
    "demo": 7, "portal": 7,
    "deletion": 8,  # Art. 37 as one flow: calls every domain's step, so nothing but front doors may import it
}
# Reference-data domains may use one another only in this direction.
ALLOWED_SIDEWAYS = {("unit", "catalog"), ("unit", "subject"), ("measure", "listing"),  # a check reads lists
                    ("grading", "listing")}  # a grade counts list entries


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    pkg = path.relative_to(SRC.parent).with_suffix("").parts
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            found.add(mod)
            for alias in node.names:
                found.add(f"{mod}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("xinyong")}


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_law_kernel_imports_nothing_else_of_xinyong():
    for path in (SRC / "law").rglob("*.py"):
        bad = {m for m in _imports(path) if not m.startswith("xinyong.law")}
        # rules.load_all discovers every domain's rules dynamically (importlib), not by import
        bad.discard("xinyong")
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_domains_depend_one_way():
    problems = []
    for path in SRC.rglob("*.py"):
        own = _domain("xinyong." + ".".join(path.relative_to(SRC).parts))
        if own is None:
            continue
        for mod in _imports(path):
            other = _domain(mod)
            if other is None or other == own:
                continue
            if LAYERS[other] > LAYERS[own] or (
                LAYERS[other] == LAYERS[own] and (own, other) not in ALLOWED_SIDEWAYS
            ):
                problems.append(f"{path.relative_to(SRC)} ({own}) imports {mod} ({other})")
    assert not problems, "\n".join(problems)


def _marked_articles() -> set[str]:
    pattern = re.compile(r"""mark\.article\(\s*["']([^"']+)["']""")
    found: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        found.update(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_rule_has_a_test_marked_with_its_article():
    from xinyong.law.articles import ArticleRef

    marked = {ArticleRef.parse(a).canonical for a in _marked_articles()}
    missing = sorted({f"{r.id} ({r.article})" for r in load_all().values() if r.article not in marked})
    assert not missing, "rules without a test marked with their article: " + ", ".join(missing)


def _module_exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return rel.with_suffix(".py").name != ".py" and ((SRC / rel).with_suffix(".py").exists()
                                                     or (SRC / rel / "__init__.py").exists())


def test_no_module_uses_another_domains_private_names():
    """A name with a leading underscore is its module's own: another domain that needs it gets a public name
    (which says it is part of the contract), or the two drift apart unseen."""
    problems = []
    for path in SRC.rglob("*.py"):
        own = _domain("xinyong." + ".".join(path.relative_to(SRC).parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        pkg = path.relative_to(SRC.parent).with_suffix("").parts
        modules: dict[str, str] = {}  # local name → another domain's module
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = pkg[: len(pkg) - node.level] if node.level else ()
            mod = ".".join([*base, node.module] if node.module else base) if node.level else node.module or ""
            for alias in node.names:
                full = f"{mod}.{alias.name}"
                if not full.startswith("xinyong") or _domain(full) in (None, own):
                    continue
                if _module_exists(full):
                    modules[alias.asname or alias.name] = full
                elif alias.name.startswith("_"):
                    problems.append(f"{path.relative_to(SRC)}:{node.lineno} imports {full}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                problems.append(f"{path.relative_to(SRC)}:{node.lineno} uses {modules[node.value.id]}.{node.attr}")
    assert not problems, "\n".join(problems)
