"""The library holds only runtime code and keeps its layering.

Layers from the bottom: utils -> structures -> datasets -> models ->
evaluation -> engine -> apis -> visualization. A module may import its own
layer and those below, never one above; ``mmprp`` has no command-line code
(argparse) and no demo (those live in tools/ and demo/). ``mmprp.testing``
(the synthetic data of the tests, benchmarks and demo, as
``mmaction.testing``) stands apart: no other module of the library imports
it.
"""
import ast
from pathlib import Path
from typing import Iterator, Tuple

import pytest

from helpers import REPO

PACKAGE = REPO / 'mmprp'
LAYERS = ('utils', 'structures', 'datasets', 'models', 'evaluation', 'engine',
          'apis', 'visualization')
MODULES = sorted(PACKAGE.rglob('*.py'))


def layer_of(module: str) -> int:
    """Layer index of a dotted ``mmprp.<layer>...`` name (-1: top level)."""
    parts = module.split('.')
    return LAYERS.index(
        parts[1]) if len(parts) > 1 and parts[1] in LAYERS else -1


def imported_modules(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, absolute module) of every import of a file of mmprp."""
    package = '.'.join(path.relative_to(REPO).with_suffix('').parts[:-1])
    if path.name == '__init__.py':
        package = '.'.join(path.relative_to(REPO).parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                yield node.lineno, '.'.join(
                    base + ([node.module] if node.module else []))
            else:
                yield node.lineno, node.module


@pytest.mark.parametrize(
    'path', MODULES, ids=[str(p.relative_to(REPO)) for p in MODULES])
def test_no_import_reaches_a_higher_layer(path: Path) -> None:
    own = layer_of('.'.join(path.relative_to(REPO).with_suffix('').parts))
    for line, module in imported_modules(path):
        assert module.split('.')[0] not in ('argparse', 'tools', 'demo'), (
            f'{path}:{line} imports {module}: CLI, demo and tooling code '
            f'belongs in tools/ or demo/')
        assert not module.startswith('mmprp.testing') or (
            path.parent.name == 'testing'), (
                f'{path}:{line} imports {module}: the library does not '
                f'use its test data')
        if module.startswith('mmprp.') and own >= 0:
            assert layer_of(module) <= own, (
                f'{path}:{line} imports {module}, a higher layer')


def test_the_tooling_moved_out_of_the_package() -> None:
    for gone in ('demo', 'datasets/synthetic.py', 'datasets/splits',
                 'datasets/video_scan.py', 'visualization/inference.py'):
        assert not (PACKAGE / gone).exists(), gone
