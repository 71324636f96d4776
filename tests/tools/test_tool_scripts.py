"""The scripts of tools/: each a command line of its own, found by a name
that no other tool bears, imported by no code (a tool imports mmprp)."""
import ast
from collections import Counter
from pathlib import Path
from typing import Iterator

from helpers import REPO

TOOLS = sorted((REPO / 'tools').rglob('*.py'))
#: The code that may import the library but no tool.
CODE = [
    path for folder in ('mmprp', 'demo', 'benchmarks', 'tests', 'tools')
    for path in sorted((REPO / folder).rglob('*.py'))
]


def imported_roots(path: Path) -> Iterator[str]:
    """The top-level package of every absolute import of a file."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module.split('.')[0]


def test_every_tool_stem_is_unique() -> None:
    # `mim run mmprp NAME` finds a tool by its file stem alone
    stems = Counter(path.stem for path in TOOLS)
    assert len(TOOLS) > 10
    assert [stem for stem, count in stems.items() if count > 1] == []


def test_tools_is_no_package() -> None:
    assert [path for path in TOOLS if path.name == '__init__.py'] == []


def test_no_code_imports_a_tool() -> None:
    importers = [
        str(path.relative_to(REPO)) for path in CODE
        if 'tools' in set(imported_roots(path))
    ]
    assert importers == []
