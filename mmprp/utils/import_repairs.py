"""What ``import mmprp`` changes in the process beyond registering, and how
to turn each change off.

Two repairs of the installed stack run at import (see
``docs/upstream_defects.md``, "What importing mmprp changes"):

* ``drn``: where the installed mmaction2 lacks
  ``mmaction/models/localizers/drn/`` (the 1.2.0 wheel, upstream issue
  #2714), a placeholder module in ``sys.modules`` lets ``import
  mmaction.models`` succeed
  (:func:`~.mmaction_compat.install_drn_placeholder`).
* ``checkpoint_loaders``: mmengine's loaders of local files and of its own
  remote schemes are replaced by ones that unpickle data only
  (:func:`~.checkpoint_loading.register_checkpoint_loaders`), so that
  mmengine checkpoints load under torch >= 2.6 and a downloaded file cannot
  run code.

The environment variable ``MMPRP_NO_REPAIRS``, read once at import, turns
them off: ``1`` (or ``all``) turns off both, a comma-separated list of names
(``drn``, ``checkpoint_loaders``) the named ones. Without the checkpoint
loaders, mmengine's own loaders run: checkpoints written by mmengine's
runner then fail to load under torch >= 2.6, and ``http(s)://`` checkpoints
are unpickled with ``weights_only=False``.
"""
import os
from typing import Callable, Dict, FrozenSet, Mapping

from .checkpoint_loading import register_checkpoint_loaders
from .mmaction_compat import install_drn_placeholder

NO_REPAIRS = 'MMPRP_NO_REPAIRS'
#: Each repair by its name in :data:`NO_REPAIRS`.
REPAIRS: Dict[str, Callable[[], object]] = {
    'drn': install_drn_placeholder,
    'checkpoint_loaders': register_checkpoint_loaders,
}
ALL = ('1', 'all')


def skipped_repairs(environ: Mapping[str, str] = os.environ) -> FrozenSet[str]:
    """The repairs that :data:`NO_REPAIRS` turns off.

    Args:
        environ (Mapping[str, str]): The environment. Defaults to
            ``os.environ``.

    Returns:
        frozenset[str]: Names of :data:`REPAIRS`; empty when the variable
        is unset or empty.

    Raises:
        ValueError: If the variable names a repair that does not exist.
    """
    value = environ.get(NO_REPAIRS, '').strip()
    if value.lower() in ALL:
        return frozenset(REPAIRS)
    names = frozenset(name.strip() for name in value.split(',')
                      if name.strip())
    unknown = sorted(names - set(REPAIRS))
    if unknown:
        raise ValueError(
            f'{NO_REPAIRS}={value!r} names {", ".join(unknown)}: give 1 '
            f'(all) or some of {", ".join(REPAIRS)}, comma-separated')
    return names


def apply_repairs() -> None:
    """Run every repair that :data:`NO_REPAIRS` does not turn off."""
    skipped = skipped_repairs()
    for name, repair in REPAIRS.items():
        if name not in skipped:
            repair()
