"""Locate the tools that ship inside the installed mmaction2 package."""
import runpy
from pathlib import Path

import mmaction


def mmaction_tool_path(name: str) -> Path:
    """Return the path of a script of MMAction2's ``tools/`` folder.

    The mmaction2 wheel ships them under ``mmaction/.mim/tools`` (the folder
    ``mim train`` / ``mim test`` run).

    Args:
        name (str): Script path relative to ``tools/``, e.g. ``'train.py'``.

    Returns:
        Path: The script's path.

    Raises:
        FileNotFoundError: If the installed mmaction2 lacks the script.
    """
    path = Path(mmaction.__file__).parent / '.mim' / 'tools' / name
    if not path.is_file():
        raise FileNotFoundError(
            f'{path} does not exist: reinstall mmaction2==1.2.0 from the '
            f'package registry (its wheel ships tools/ under .mim/)')
    return path


def run_mmaction_tool(name: str) -> None:
    """Run a script of MMAction2's ``tools/`` as ``__main__``.

    The script sees the current ``sys.argv``, so a wrapper behaves exactly
    like MMAction2's script.

    Args:
        name (str): Script path relative to ``tools/``, e.g. ``'train.py'``.
    """
    runpy.run_path(str(mmaction_tool_path(name)), run_name='__main__')
