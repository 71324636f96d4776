"""Load local mmengine checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
saves its message hub (``HistoryBuffer`` objects holding numpy arrays and
bound ``min``/``max`` methods) into every checkpoint and loads checkpoints
with a plain ``torch.load``, so ``load_from``, ``--resume`` and
``tools/test.py CKPT`` fail with "Weights only load failed".

The repair keeps torch's restricted *weights-only* unpickler and extends its
allow-list, only while a **local file** is read through mmengine, by exactly
the globals mmengine's own checkpoints contain (see :data:`MMENGINE_GLOBALS`).
Nothing is unpickled with ``weights_only=False``. Checkpoints fetched from a
URL keep torch's default: a file that needs more than plain tensors is
refused with torch's error rather than unpickled silently.
"""
import builtins
import os.path as osp
from typing import Callable, List, Optional, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _numpy_globals() -> List[Callable]:
    """Numpy types that pickled arrays and scalars refer to."""
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(code)) for code in np.typecodes['All']]
    return [np.ndarray, np.dtype, _reconstruct, scalar, *dtype_classes]


MMENGINE_GLOBALS: List[Callable] = [
    HistoryBuffer,
    # HistoryBuffer pickles its statistics methods as getattr(buffer, name);
    # the weights-only unpickler still refuses to *call* anything it returns.
    builtins.getattr,
    *_numpy_globals(),
]


def load_local_checkpoint(filename: str,
                          map_location: Optional[Union[str, Callable]] = None
                          ) -> dict:
    """Load a local checkpoint with the weights-only unpickler.

    Registered as mmengine's loader for local paths (prefix ``''``) when
    :mod:`mmprp` is imported.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | Callable, optional): Same as :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    with torch.serialization.safe_globals(MMENGINE_GLOBALS):
        return torch.load(
            filename, map_location=map_location, weights_only=True)


def register_local_checkpoint_loader() -> None:
    """Make mmengine read local checkpoints with :func:`load_local_checkpoint`."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
