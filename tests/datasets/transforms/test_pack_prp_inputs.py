"""PackPRPInputs carries the sampler's keys into the data sample."""
import numpy as np
from mmaction.registry import TRANSFORMS

from mmprp.datasets.transforms import PlaybackRateSampler
from mmprp.structures import PRP_SAMPLE_KEYS


def test_every_sampler_key_reaches_the_data_sample() -> None:
    results = PlaybackRateSampler(test_mode=True).transform(
        dict(total_frames=200, filename='v.avi'))
    results.update(
        imgs=np.zeros((len(results['frame_inds']), 8, 8, 3), np.uint8),
        label=-1,
        frame_inds=results['frame_inds'])
    results = TRANSFORMS.build(dict(type='FormatShape', input_format='NCTHW'))(
        results)
    pack = TRANSFORMS.build(
        dict(type='PackPRPInputs', extra_keys=('frame_inds', )))
    sample = pack(results)['data_samples']
    for key in PRP_SAMPLE_KEYS + ('frame_inds', ):
        assert key in sample, key
    np.testing.assert_array_equal(sample.clip_inds, results['clip_inds'])
    assert sample.num_rates == 4
    assert 'PackPRPInputs(algorithm_keys=' in repr(pack)
