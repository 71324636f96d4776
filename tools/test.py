"""Test a checkpoint with MMAction2's own ``tools/test.py``, mmprp loaded.

A thin entry point for users who do not use ``mim``: it imports
:mod:`mmprp` (which repairs the installed stack and registers every mmprp
component into MMAction2's registries), then runs the ``test.py`` that
ships inside the installed mmaction2 with the same command-line arguments,
so it behaves exactly like MMAction2's script::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] \
        [--cfg-options ...] [--launcher ...]

``python tools/test.py --help`` lists MMAction2's options.
"""
import mmprp  # noqa: F401
from mmprp.utils import run_mmaction_tool

if __name__ == '__main__':
    run_mmaction_tool('test.py')
