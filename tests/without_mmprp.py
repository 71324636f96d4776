"""Run a Python script, or ``-c`` code, in a process where mmprp is absent.

Usage (``-I``: no ``PYTHONPATH``, no current folder on ``sys.path``)::

    python -I tests/without_mmprp.py SCRIPT [ARG ...]
    python -I tests/without_mmprp.py -c CODE [ARG ...]

mmprp is installed into the environment (editable), so ``-I`` alone does not
hide it: a finder put first in ``sys.meta_path`` refuses ``mmprp`` and its
submodules with ``ModuleNotFoundError``. At exit the process prints
``mmprp imported: <bool>; refused imports: <list>`` (the tests check both).
"""
import atexit
import os.path as osp
import runpy
import sys
from importlib.abc import MetaPathFinder
from typing import List

BLOCKED = 'mmprp'


class RefuseMmprp(MetaPathFinder):
    """A finder that refuses ``mmprp`` and records each attempt."""

    def __init__(self) -> None:
        self.refused: List[str] = []

    def find_spec(self, name: str, path=None, target=None) -> None:
        if name == BLOCKED or name.startswith(BLOCKED + '.'):
            self.refused.append(name)
            raise ModuleNotFoundError(
                f'{name} is blocked in this process (tests/without_mmprp.py)',
                name=name)
        return None


def report(finder: RefuseMmprp) -> None:
    imported = any(name == BLOCKED or name.startswith(BLOCKED + '.')
                   for name in sys.modules)
    print(f'mmprp imported: {imported}; refused imports: {finder.refused}')


def main() -> None:
    finder = RefuseMmprp()
    sys.meta_path.insert(0, finder)
    atexit.register(report, finder)
    if sys.argv[1] == '-c':
        code, sys.argv = sys.argv[2], ['-c', *sys.argv[3:]]
        exec(compile(code, '<string>', 'exec'), dict(__name__='__main__'))
        return
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = osp.dirname(osp.abspath(script))
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
