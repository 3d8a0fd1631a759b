"""The API reference page documents every public function and class of lrdlib.

Checked on the page's source, without a build: each module's public names (functions
and classes defined in it, not starting with ``_``) must be covered by an
``automodule`` with ``:members:`` (and not excluded, and with a docstring, which
autodoc needs to list a member) or be named explicitly, and each module's autosummary
table must list exactly its public names.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import lrdlib
import lrdlib.book

PAGE = Path(__file__).resolve().parents[1] / "chapters" / "api_reference.md"


def modules() -> list[str]:
    """Every module of lrdlib and its subpackages (the packages only re-export)."""
    return sorted(
        info.name
        for info in pkgutil.walk_packages(lrdlib.__path__, "lrdlib.")
        if not info.ispkg
    )


def public_names(module: str) -> dict[str, object]:
    """The functions and classes defined in ``module``, names not starting with _."""
    mod = importlib.import_module(module)
    return {
        name: obj
        for name, obj in vars(mod).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module
    }


def directives(text: str) -> list[tuple[str, str, dict[str, str], list[str]]]:
    """``(name, argument, options, content lines)`` of every RST directive."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        m = re.match(r"\s*\.\. ([\w:-]+):: ?(.*)$", line)
        if not m:
            continue
        indent = len(line) - len(line.lstrip())
        options, content = {}, []
        for body in lines[i + 1 :]:
            if body.strip() and len(body) - len(body.lstrip()) <= indent:
                break
            option = re.match(r"\s*:([\w-]+):\s*(.*)$", body)
            if option and not content:
                options[option.group(1)] = option.group(2).strip()
            elif body.strip():
                content.append(body.strip())
        found.append((m.group(1), m.group(2).strip(), options, content))
    return found


def split_names(value: str) -> set[str]:
    return {n.strip() for n in value.split(",") if n.strip()}


@pytest.fixture(scope="module")
def page() -> list[tuple[str, str, dict[str, str], list[str]]]:
    return directives(PAGE.read_text())


def test_every_public_name_is_documented(page):
    all_members, explicit = {}, set()
    current = None
    for name, argument, options, _ in page:
        if name == "currentmodule":
            current = argument
        elif name == "automodule":
            current = argument
            if "members" in options:
                listed = split_names(options["members"])
                if listed:
                    explicit |= {f"{argument}.{n}" for n in listed}
                else:
                    excluded = split_names(options.get("exclude-members", ""))
                    all_members[argument] = excluded
        elif name in ("autofunction", "autoclass", "autoexception"):
            target = argument if "." in argument else f"{current}.{argument}"
            explicit.add(target)
    missing = []
    for module in modules():
        for name, obj in public_names(module).items():
            qualified = f"{module}.{name}"
            if qualified in explicit:
                continue
            if module in all_members and name not in all_members[module]:
                if inspect.getdoc(obj):
                    continue
                missing.append(f"{qualified} (no docstring: autodoc leaves it out)")
                continue
            missing.append(qualified)
    assert not missing, (
        f"chapters/api_reference.md does not document {missing}: add a section with "
        "'.. automodule:: <module>' and ':members:', or name them explicitly."
    )


def test_autosummary_tables_list_their_module(page):
    tables: dict[str, list[str]] = {}
    current = None
    for name, argument, _, content in page:
        if name in ("currentmodule", "automodule"):
            current = argument
        elif name == "autosummary":
            tables.setdefault(current, []).extend(content)
    for module in modules():
        expected = list(public_names(module))
        assert tables.get(module) == expected, (
            f"the autosummary table of {module} should list {expected} in order, "
            f"got {tables.get(module)}"
        )
