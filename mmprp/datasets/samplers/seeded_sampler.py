"""A DefaultSampler whose indices carry the seed of their sample."""
from typing import Iterator, Sized

from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler

from ..prp_video_dataset import PRPVideoDataset
from ..seeded_index import SeededIndex


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` yielding :class:`SeededIndex` items.

    Same order, shuffling (by ``seed + epoch``), rank split and round-up as
    ``DefaultSampler``. Each yielded index also carries the sampler's seed
    and the epoch that ``set_epoch`` set (mmengine's
    ``DistSamplerSeedHook`` does it before every epoch). The sampler runs in
    the main process, so this reaches every data-loader worker, persistent
    or not; a dataset that understands it
    (:class:`~mmprp.datasets.PRPVideoDataset`) draws each sample's
    randomness from ``SeededIndex.generator()``. A sample then depends only
    on ``(seed, epoch, index)``: not on the number of workers, on which
    worker loads it, on what that worker loaded before, or on whether the
    run was resumed. Without ``randomness.seed``, mmengine draws a random
    seed for the run, so samples stay random.

    Args:
        dataset (PRPVideoDataset): The dataset (it must take
            ``SeededIndex`` items; dataset wrappers such as
            ``RepeatDataset`` take integers).
        shuffle (bool): Shuffle the dataset every epoch. Defaults to True.
        seed (int, optional): Seed of the shuffle and of the samples; the
            runner passes its seed. Defaults to None (a random one, the same
            on every rank).
        round_up (bool): Pad the indices to a multiple of the world size.
            Defaults to True.

    Raises:
        TypeError: If the dataset does not take ``SeededIndex`` items.
    """

    def __init__(self, dataset: Sized, **kwargs) -> None:
        if not isinstance(dataset, PRPVideoDataset):
            raise TypeError(
                f'SeededSampler yields SeededIndex items, which only '
                f'PRPVideoDataset takes; got {type(dataset).__name__}. Use '
                f"sampler=dict(type='DefaultSampler') with it.")
        super().__init__(dataset, **kwargs)

    def __iter__(self) -> Iterator[SeededIndex]:
        """Iterate the indices of this epoch, each with its seed."""
        for index in super().__iter__():
            yield SeededIndex(index, self.seed, self.epoch)
