"""The random generator of one sample in a data pipeline."""
from typing import Dict

import numpy as np

SAMPLE_RNG_KEY = 'rng'


def sample_rng(results: Dict) -> np.random.Generator:
    """The generator a random transform draws a sample's randomness from.

    Args:
        results (dict): The result dict of the pipeline; its ``'rng'`` key
            (optional) holds the sample's own generator, e.g. seeded by
            ``(seed, epoch, index)`` (:class:`~mmprp.datasets.SeededSampler`
            with :class:`~mmprp.datasets.PRPVideoDataset`).

    Returns:
        np.random.Generator: ``results['rng']``, or without it a generator
        seeded from numpy's global generator (which mmengine seeds in every
        data-loader worker).
    """
    rng = results.get(SAMPLE_RNG_KEY)
    if rng is None:
        rng = np.random.default_rng(np.random.randint(2**32, dtype=np.int64))
    return rng
