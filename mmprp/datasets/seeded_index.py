"""A dataset index that carries the seed of its sample's randomness."""
from typing import NamedTuple

import numpy as np


class SeededIndex(NamedTuple):
    """A dataset index with the seed of its sample's randomness.

    Attributes:
        index (int): Index of the sample in the dataset.
        seed (int): The sampler's seed (the run's ``randomness.seed``).
        epoch (int): The epoch that draws the sample.
    """
    index: int
    seed: int
    epoch: int

    def generator(self) -> np.random.Generator:
        """A numpy generator seeded by ``(seed, epoch, index)``.

        Returns:
            np.random.Generator: The same stream for the same triple, in any
            process.
        """
        return np.random.default_rng((self.seed, self.epoch, self.index))
