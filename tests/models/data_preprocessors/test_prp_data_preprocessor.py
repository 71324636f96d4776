"""Tests of PRPDataPreprocessor: views into the samples, attention modes."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mmprp  # noqa: F401
from mmprp.datasets.transforms import PlaybackRateSampler
from mmprp.structures import PRP_SAMPLE_KEYS

SIZE = 28


def sampled(sampler: PlaybackRateSampler, rate: int, value: float = 0.5):
    """One static video's decoded frames (1, 3, T, H, W) and its sample."""
    sampler.keep_rate(sampler.rates.index(rate))
    results = sampler.transform(dict(total_frames=200))
    sample = ActionDataSample()
    for key in PRP_SAMPLE_KEYS:
        if key in results:
            sample.set_field(results[key], key)
    frames = torch.full((1, 3, len(results['frame_inds']), SIZE, SIZE), value)
    return frames, sample


@pytest.mark.parametrize('attention', ['sparse', 'dense'])
def test_static_frames_get_unit_attention(attention: str) -> None:
    prp = dict(attention=attention)
    preprocessor = MODELS.build(
        dict(type='PRPDataPreprocessor', protocol=prp, std=(1., 1., 1.)))
    sampler = PlaybackRateSampler(**prp)
    frames, samples = zip(*[sampled(sampler, rate) for rate in (2, 1)])
    data = preprocessor(dict(inputs=list(frames), data_samples=list(samples)))
    assert data['inputs'].shape == (2, 3, 16, SIZE, SIZE)
    for sample in data['data_samples']:
        assert torch.equal(sample.motion_attention,
                           torch.ones(3, 32, SIZE, SIZE))
        assert sample.recon_target.shape == (3, 32, SIZE, SIZE)
        assert sample.recon_valid.dtype == torch.bool


def test_no_attention_means_plain_mse() -> None:
    prp = dict(attention=None)
    preprocessor = MODELS.build(dict(type='PRPDataPreprocessor', protocol=prp))
    frames, sample = sampled(PlaybackRateSampler(**prp), 1)
    data = preprocessor(dict(inputs=[frames], data_samples=[sample]))
    assert 'motion_attention' not in data['data_samples'][0]
    assert 'recon_target' in data['data_samples'][0]


def test_plain_clips_pass_as_mmaction2s() -> None:
    preprocessor = MODELS.build(dict(type='PRPDataPreprocessor'))
    data = preprocessor(
        dict(
            inputs=[torch.full((1, 3, 4, SIZE, SIZE), 255.)],
            data_samples=[ActionDataSample()]))
    assert torch.equal(data['inputs'], torch.ones(1, 1, 3, 4, SIZE, SIZE))


def test_bad_attention_is_refused() -> None:
    with pytest.raises(ValueError, match='`attention`'):
        MODELS.build(
            dict(type='PRPDataPreprocessor', protocol=dict(attention='flow')))


@pytest.mark.parametrize('sampler_prp, message', [
    (dict(recon_rate=4), '16-frame clips and 64-frame targets'),
    (dict(clip_len=8), '8-frame clips and 16-frame targets'),
])
def test_samples_of_another_protocol_are_refused(sampler_prp: dict,
                                                 message: str) -> None:
    # e.g. a config whose datasets got another prp than its model
    preprocessor = MODELS.build(dict(type='PRPDataPreprocessor'))
    frames, sample = sampled(PlaybackRateSampler(**sampler_prp), 1)
    with pytest.raises(
            ValueError,
            match=message + r".*\(clip_len=16, recon_rate=2\) needs 16 and "
            '32: give the model and the datasets the same prp'):
        preprocessor(dict(inputs=[frames], data_samples=[sample]))
