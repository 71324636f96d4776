"""sample_rng: the sample's own generator, else one from numpy's global."""
import numpy as np

from mmprp.datasets.transforms import SAMPLE_RNG_KEY, sample_rng


def test_the_samples_generator_is_used_as_is() -> None:
    rng = np.random.default_rng(0)
    assert sample_rng({SAMPLE_RNG_KEY: rng}) is rng


def test_without_one_numpys_global_generator_seeds_it() -> None:
    np.random.seed(5)
    first = sample_rng({}).integers(1 << 30, size=4)
    second = sample_rng({}).integers(1 << 30, size=4)
    np.random.seed(5)
    np.testing.assert_array_equal(
        sample_rng({}).integers(1 << 30, size=4), first)
    assert not np.array_equal(first, second)
