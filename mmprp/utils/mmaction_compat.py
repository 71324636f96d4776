"""Make the published mmaction2 1.2.0 importable.

The mmaction2 1.2.0 wheel and sdist lack the folder
``mmaction/models/localizers/drn/`` (upstream issue #2714), while
``mmaction/models/localizers/__init__.py`` imports ``DRN`` from it, so
``import mmaction.models`` fails with ``ModuleNotFoundError``. Two repairs,
both idempotent, make only the DRN localizer unavailable:

* :func:`patch_localizers_init` edits the installed ``__init__.py`` so the
  import becomes optional (``make`` runs it when it creates ``.venv``); this
  repairs stock MMAction2 configs in that environment too.
* :func:`install_drn_placeholder` puts a placeholder module into
  ``sys.modules`` (run by ``import mmprp``), so a plain ``pip install mmprp``
  works without touching files.

Run ``python -m mmprp.utils.mmaction_compat`` to apply the file patch.

mmprp does not declare mmcv as a dependency (either the pure-Python
``mmcv-lite``, ``pip install "mmprp[lite]"``, or a full mmcv built for the
user's CUDA will do); :func:`require_mmcv` says so when neither is there.
"""
import importlib.util
import sys
import types
from pathlib import Path
from typing import Optional

DRN_MODULE = 'mmaction.models.localizers.drn'
ORIGINAL_IMPORT = 'from .drn.drn import DRN\n'
PATCHED_IMPORT = (
    'try:  # patched by mmprp: the 1.2.0 wheel lacks drn/ (#2714)\n'
    '    from .drn.drn import DRN\n'
    'except ImportError:\n'
    '    DRN = None\n')

MMCV_HINT = (
    'mmprp needs mmcv >= 2.0.0rc4, < 2.2.0 (MMAction2 1.2.0 asserts '
    'it): either `pip install "mmprp[lite]"` (mmcv-lite, pure Python, '
    'enough for PRP) or a full mmcv 2.1 built for your CUDA '
    '(`mim install "mmcv==2.1.0"`)')


def require_mmcv() -> None:
    """Fail with installation advice if no mmcv distribution is installed.

    Raises:
        ImportError: If ``mmcv`` cannot be found.
    """
    if importlib.util.find_spec('mmcv') is None:
        raise ImportError(MMCV_HINT)


def drn_is_missing() -> bool:
    """Return whether the installed mmaction2 lacks the ``drn`` package."""
    localizers = importlib.util.find_spec('mmaction.models')
    if localizers is None or not localizers.submodule_search_locations:
        return False
    models_dir = Path(localizers.submodule_search_locations[0])
    return not (models_dir / 'localizers' / 'drn' / 'drn.py').exists()


def _localizers_init() -> Path:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError('mmaction2 is not installed')
    return (Path(spec.submodule_search_locations[0]) / 'models' / 'localizers'
            / '__init__.py')


def patch_localizers_init(init_file: Optional[Path] = None) -> bool:
    """Make the ``DRN`` import of mmaction's localizers optional.

    Args:
        init_file (Path, optional): The ``localizers/__init__.py`` to patch.
            Defaults to the one of the installed mmaction2.

    Returns:
        bool: True if the file was changed, False if it needed no change
        (already patched, or an mmaction2 that is not affected).
    """
    init_file = init_file or _localizers_init()
    source = init_file.read_text()
    if PATCHED_IMPORT in source or ORIGINAL_IMPORT not in source:
        return False
    init_file.write_text(source.replace(ORIGINAL_IMPORT, PATCHED_IMPORT))
    return True


class _MissingDRN:
    """Stands in for ``DRN`` and explains why it cannot be built."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is unavailable: the mmaction2 1.2.0 package lacks '
            'mmaction/models/localizers/drn/ (upstream issue #2714).')


def install_drn_placeholder() -> bool:
    """Register placeholder ``drn`` modules if mmaction2 lacks them.

    Returns:
        bool: True if placeholders were installed, False if not needed.
    """
    if DRN_MODULE in sys.modules or not drn_is_missing():
        return False
    package = types.ModuleType(DRN_MODULE)
    package.__path__ = []
    module = types.ModuleType(f'{DRN_MODULE}.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[DRN_MODULE] = package
    sys.modules[f'{DRN_MODULE}.drn'] = module
    return True


if __name__ == '__main__':
    changed = patch_localizers_init()
    print(f'{_localizers_init()}: '
          f'{"patched" if changed else "no change needed"}')
