"""Refuse a run whose data loader yields no batch."""
from mmaction.registry import HOOKS
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from torch.utils.data import DataLoader

from ...utils.runner_dataloaders import built_dataloaders


@HOOKS.register_module()
class NonEmptyDataloaderHook(Hook):
    """Stop a run before it starts if one of its data loaders is empty.

    With ``drop_last=True`` and a batch larger than the samples a process
    gets, a data loader yields no batch: mmengine then trains 0 iterations,
    exits without an error and saves a "best" checkpoint of the untrained
    model (and validates or tests on nothing). In ``before_run`` this hook
    checks every data loader the run uses (training runs: the training and
    validation loaders; ``tools/test.py``: the test loader) and raises,
    naming the loader, its list, the dataset size, the samples per process,
    ``batch_size`` and ``drop_last``.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        """Check that every data loader of the run yields a batch.

        Args:
            runner (Runner): The runner.

        Raises:
            ValueError: If a data loader yields no batch.
        """
        for name, loader in built_dataloaders(runner).items():
            if len(loader) == 0:
                raise ValueError(describe_empty(name, loader))


def describe_empty(name: str, loader: DataLoader) -> str:
    """Why a data loader yields no batch, with its numbers.

    Args:
        name (str): The loader's config name, e.g. ``'train_dataloader'``.
        loader (DataLoader): The loader.

    Returns:
        str: The message.
    """
    dataset = loader.dataset
    listed = getattr(dataset, 'ann_file', None)
    of_list = f' ({listed})' if listed else ''
    per_process = len(loader.sampler)
    return (f'{name} yields no batch: its dataset{of_list} has '
            f'{len(dataset)} samples, {per_process} for each of '
            f'{get_world_size()} processes, batch_size={loader.batch_size} '
            f'and drop_last={loader.drop_last}, so the run would go through '
            f'0 iterations. Use a batch_size of at most {per_process}, '
            f'drop_last=False, or more samples')
