"""The data loaders a runner has built for the run it starts."""
from typing import Dict

from mmengine.runner.base_loop import BaseLoop
from torch.utils.data import DataLoader

LOOPS = ('train', 'val', 'test')


def built_dataloaders(runner) -> Dict[str, DataLoader]:
    """The data loaders of the runner's built loops, by config name.

    mmengine builds the loops a run uses before calling ``before_run``:
    ``train()`` the training and validation loops, ``val()`` and ``test()``
    their own. Loops still held as configs are left out (reading them
    through the runner's properties would build them).

    Args:
        runner (Runner): The runner.

    Returns:
        dict[str, DataLoader]: E.g. ``{'train_dataloader': ...,
        'val_dataloader': ...}``.
    """
    loaders = {}
    for name in LOOPS:
        loop = getattr(runner, f'_{name}_loop', None)
        if isinstance(loop, BaseLoop):
            loaders[f'{name}_dataloader'] = loop.dataloader
    return loaders
