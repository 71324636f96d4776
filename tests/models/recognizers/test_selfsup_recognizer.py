"""Tests of SelfSupRecognizer: views, losses, predictions, errors."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mmprp  # noqa: F401
from mmprp.datasets.transforms import PlaybackRateSampler
from mmprp.models.losses.motion_attention import (dense_motion_attention,
                                                  sparse_motion_attention)
from helpers import prp_batch

SIZE = 32


def build_model(
        rates=(1, 2, 4, 8),
        recon_rate=2,
        attention='sparse',
        rate_head=True,
        decoder=True,
        clip_len=16) -> torch.nn.Module:
    cfg = dict(
        type='SelfSupRecognizer',
        backbone=dict(type='C3DEncoder', base_channels=4),
        prp=dict(
            rates=rates,
            recon_rate=recon_rate,
            attention=attention,
            clip_len=clip_len),
        rate_head=dict(type='PRPHead', in_channels=32) if rate_head else None,
        decoder=dict(
            type='MotionAttentionDecoder',
            in_channels=32,
            channels=(8, 8, 8, 8)) if decoder else None)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def preprocess(model: torch.nn.Module, inputs: torch.Tensor,
               samples: list) -> dict:
    """The model's inputs and data samples: its preprocessor's views."""
    return model.data_preprocessor.add_views(inputs, samples)


def test_prepare_views_gathers_and_interpolates() -> None:
    model = build_model()
    sampler = PlaybackRateSampler()
    inputs, samples, frames = prp_batch(sampler, [1, 8, 2])
    views = model.data_preprocessor.prepare_views(inputs, samples)
    assert views['clip'].shape == (3, 3, 16, SIZE, SIZE)
    assert views['target'].shape == (3, 3, 32, SIZE, SIZE)
    assert views['attention'].shape == (3, 3, 32, SIZE, SIZE)
    torch.testing.assert_close(views['rate_label'], torch.tensor([0, 3, 1]))
    # rate 1: clip = the 16 decoded frames; target = f0, (f0+f1)/2, ...
    video1 = frames[0].transpose(0, 1)  # (3, T, H, W)
    torch.testing.assert_close(views['clip'][0], video1)
    torch.testing.assert_close(views['target'][0][:, 0::2], video1)
    torch.testing.assert_close(views['target'][0][:, 1],
                               (video1[:, 0] + video1[:, 1]) / 2)
    torch.testing.assert_close(views['target'][0][:, 31], video1[:, 15])
    assert views['target_valid'][0].tolist() == [True, False] * 16
    # rate 8: clip = decoded frames 0, 8, ..., target = 0, 4, 8, ...
    window8 = frames[1]
    first = window8[0]
    torch.testing.assert_close(views['clip'][1][:, 0], first)
    assert views['target_valid'][1].all()


def test_prepare_views_attention_matches_sparse_function() -> None:
    model = build_model()
    sampler = PlaybackRateSampler()
    inputs, samples, _ = prp_batch(sampler, [4, 2, 4])
    views = model.data_preprocessor.prepare_views(inputs, samples)
    for index, sample in enumerate(samples):
        rate = sample.playback_rate
        frames = inputs[index, 0][:, sample.attention_inds]  # C, S, 4, H, W
        expected = sparse_motion_attention(frames[None], 32)[0]
        torch.testing.assert_close(views['attention'][index], expected)
        assert frames.shape[1] == rate


def test_prepare_views_dense_attention_uses_whole_window() -> None:
    model = build_model(attention='dense')
    sampler = PlaybackRateSampler(attention='dense')
    inputs, samples, frames = prp_batch(sampler, [2, 1])
    views = model.data_preprocessor.prepare_views(inputs, samples)
    for index, rate in enumerate((2, 1)):
        window = frames[index].transpose(0, 1)  # every raw frame, (C, T, ...)
        assert window.shape[1] == 16 * rate
        expected = dense_motion_attention(window[None], 32)[0]
        torch.testing.assert_close(views['attention'][index], expected)


def test_prepare_views_without_attention() -> None:
    model = build_model(attention=None)
    sampler = PlaybackRateSampler(attention=None)
    inputs, samples, _ = prp_batch(sampler, [1, 2])
    assert model.data_preprocessor.prepare_views(inputs,
                                                 samples)['attention'] is None


def test_loss_gives_finite_weighted_losses() -> None:
    torch.manual_seed(0)
    model = build_model()
    model.train()
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1, 2, 4, 8])
    losses = model.loss(**preprocess(model, inputs, samples))
    assert set(losses) == {'loss_rate', 'rate_acc', 'loss_recon'}
    for value in losses.values():
        assert torch.isfinite(value)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    grads = [p.grad for p in model.backbone.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize('rate_head,decoder,keys', [
    (True, False, {'loss_rate', 'rate_acc'}),
    (False, True, {'loss_recon'}),
])
def test_discriminative_or_generative_only(rate_head: bool, decoder: bool,
                                           keys: set) -> None:
    model = build_model(rate_head=rate_head, decoder=decoder)
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1, 8])
    assert set(model.loss(**preprocess(model, inputs, samples))) == keys


def test_predict_writes_per_sample_losses_matching_batch_loss() -> None:
    model = build_model()
    model.eval()
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1, 2, 4, 8])
    with torch.no_grad():
        batch_losses = model.loss(**preprocess(model, inputs, samples))
        predicted = model.predict(**preprocess(model, inputs, samples))
    for key in ('loss_rate', 'loss_recon'):
        per_sample = torch.stack([s.get(key) for s in predicted])
        torch.testing.assert_close(per_sample.mean(), batch_losses[key])
    correct = torch.tensor(
        [float(int(s.pred_rate) == int(s.rate_label)) for s in predicted])
    torch.testing.assert_close(correct.mean(), batch_losses['rate_acc'])
    assert all(s.rate_scores.shape == (4, ) for s in predicted)


def test_extract_feat_flattens_clips() -> None:
    model = build_model()
    feats = model.extract_feat(torch.rand(2, 3, 3, 16, SIZE, SIZE))
    assert feats.shape == (6, 32, 2, 2, 2)
    assert model(
        torch.rand(1, 3, 16, SIZE, SIZE),
        mode='tensor').shape == (1, 32, 2, 2, 2)


def test_needs_a_head() -> None:
    with pytest.raises(ValueError, match='needs `rate_head`, `decoder`'):
        build_model(rate_head=False, decoder=False)


def test_missing_sampler_keys_are_named() -> None:
    model = build_model()
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1])
    del samples[0].target_inds
    with pytest.raises(KeyError, match='target_inds'):
        model.data_preprocessor.prepare_views(inputs, samples)


def test_attention_without_attention_frames_is_named() -> None:
    model = build_model(attention='sparse')
    inputs, samples, _ = prp_batch(PlaybackRateSampler(attention=None), [1])
    with pytest.raises(KeyError, match='attention_inds'):
        model.data_preprocessor.prepare_views(inputs, samples)


@pytest.mark.parametrize(
    'head_rates,sampler_rates',
    [
        ((1, 2), (1, 2, 4, 8)),  # fewer classes than rates
        ((1, 2, 4, 8), (1, 2)),  # more classes: no label ever gives it away
    ])
def test_rate_head_classes_must_equal_the_samplers_rates(
        head_rates, sampler_rates) -> None:
    model = build_model(rates=head_rates)
    sampler = PlaybackRateSampler(rates=sampler_rates)
    inputs, samples, _ = prp_batch(sampler, [1, 2])  # labels 0 and 1 only
    match = (f'draws from {len(sampler_rates)} rates.*'
             f'num_classes={len(head_rates)}')
    with pytest.raises(ValueError, match=match):
        model.loss(**preprocess(model, inputs, samples))
    with pytest.raises(ValueError, match=match):
        model.predict(**preprocess(model, inputs, samples))


def test_samples_without_num_rates_are_named() -> None:
    model = build_model()
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1])
    del samples[0].num_rates
    with pytest.raises(KeyError, match='lacks `num_rates`.*PackPRPInputs'):
        model.loss(**preprocess(model, inputs, samples))
    decoder_only = build_model(rate_head=False)
    decoder_only.loss(**preprocess(decoder_only, inputs, samples))


def test_default_preprocessor_scales_to_unit_range() -> None:
    model = build_model()
    data = dict(
        inputs=[torch.full((1, 3, 16, SIZE, SIZE), 255.)],
        data_samples=[ActionDataSample()])
    out = model.data_preprocessor(data)
    assert torch.all(out['inputs'] == 1.)
    assert np.isclose(float(model.data_preprocessor.std[0]), 255.)


def test_clips_the_encoder_cannot_take_are_named() -> None:
    model = build_model(decoder=False, attention=None, clip_len=4)
    sampler = PlaybackRateSampler(clip_len=4, attention=None)
    inputs, samples, _ = prp_batch(sampler, [1, 2])
    with pytest.raises(
            ValueError,
            match=r'C3DEncoder cannot encode clips of '
            r'shape \(2, 3, 4, 32, 32\)(.|\n)*clip_len'):
        model.loss(**preprocess(model, inputs, samples))


def test_other_encoder_errors_pass_unchanged(monkeypatch) -> None:
    model = build_model(decoder=False, attention=None)
    inputs, samples, _ = prp_batch(PlaybackRateSampler(attention=None), [1])

    def out_of_memory(clip):
        raise torch.OutOfMemoryError('CUDA out of memory. Tried to allocate')

    monkeypatch.setattr(model, 'extract_feat', out_of_memory)
    with pytest.raises(torch.OutOfMemoryError, match='out of memory'):
        model.loss(**preprocess(model, inputs, samples))


def test_a_runtime_error_no_shape_check_explains_passes_unchanged(
        monkeypatch) -> None:
    model = build_model(decoder=False, attention=None)
    inputs, samples, _ = prp_batch(PlaybackRateSampler(attention=None), [1])
    error = RuntimeError('a bug in the encoder')

    def broken(clip):
        raise error

    monkeypatch.setattr(model.backbone, 'forward', broken)
    with pytest.raises(RuntimeError) as raised:
        model.loss(**preprocess(model, inputs, samples))
    assert raised.value is error


@pytest.mark.parametrize('error', [
    torch.OutOfMemoryError('CUDA out of memory. Tried to allocate'),
    RuntimeError('a bug in the encoder')
])
def test_probe_passes_errors_no_shape_check_explains(monkeypatch,
                                                     error) -> None:
    encoder = MODELS.get('C3DEncoder')

    def broken(self, clip):
        raise error

    monkeypatch.setattr(encoder, 'forward', broken)
    with pytest.raises(type(error)) as raised:
        build_probed(dict(type='C3DEncoder', base_channels=4))
    assert raised.value is error


# Tiny MMAction2 backbones (map sizes as the ResNet-50 ones, few channels)
SLOWONLY = dict(
    type='ResNet3dSlowOnly',
    depth=18,
    base_channels=8,
    pretrained=None,
    lateral=False,
    conv1_kernel=(1, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=1,
    inflate=(0, 0, 1, 1))
I3D = dict(
    type='ResNet3d',
    depth=18,
    base_channels=8,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(5, 7, 7),
    conv1_stride_t=2,
    pool1_stride_t=2)
X3D = dict(type='X3D', gamma_w=0.5, gamma_b=1.0, gamma_d=0.5)
SLOWFAST = dict(
    type='ResNet3dSlowFast',
    pretrained=None,
    resample_rate=4,
    speed_ratio=4,
    channel_ratio=4,
    slow_pathway=dict(
        type='resnet3d',
        depth=18,
        pretrained=None,
        lateral=True,
        base_channels=8,
        conv1_kernel=(1, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1)),
    fast_pathway=dict(
        type='resnet3d',
        depth=18,
        pretrained=None,
        lateral=False,
        base_channels=2,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1))
TSM = dict(
    type='ResNetTSM',
    depth=18,
    num_segments=16,
    pretrained=None,
    pretrained2d=False)
TIMESFORMER = dict(
    type='TimeSformer',
    num_frames=16,
    img_size=SIZE,
    patch_size=16,
    embed_dims=32,
    num_heads=2,
    num_transformer_layers=1,
    pretrained=None)


def build_probed(backbone: dict,
                 neck: dict = None,
                 **heads) -> torch.nn.Module:
    """A PRP model that infers in_channels and plans the decoder."""
    cfg = dict(
        type='SelfSupRecognizer',
        backbone=backbone,
        neck=neck,
        input_size=(16, SIZE, SIZE),
        rate_head=dict(type='PRPHead', **heads),
        decoder=dict(type='MotionAttentionDecoder', **heads))
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_probe_infers_in_channels_and_plans_the_decoder() -> None:
    model = build_probed(dict(type='C3DEncoder', base_channels=4))
    assert model.rate_head.in_channels == 32
    assert model.decoder.conv_in.conv.in_channels == 32
    assert model.decoder.feat_size == (2, 2, 2)
    assert model.decoder.target_size == (32, SIZE, SIZE)
    assert model.decoder.strides == ((2, 2, 2), ) * 4
    # probed in eval mode without gradients: training mode and BN
    # statistics as built
    assert model.training and model.backbone.training
    norms = [m for m in model.backbone.modules() if hasattr(m, 'running_mean')]
    assert norms
    for norm in norms:
        assert int(norm.num_batches_tracked) == 0
        assert torch.equal(norm.running_mean,
                           torch.zeros_like(norm.running_mean))


@pytest.mark.parametrize('key', ['rate_head', 'decoder'])
def test_given_in_channels_are_checked_against_the_probe(key: str) -> None:
    cfg = dict(
        type='SelfSupRecognizer',
        backbone=dict(type='C3DEncoder', base_channels=4),
        input_size=(16, SIZE, SIZE),
        rate_head=dict(type='PRPHead'),
        decoder=dict(type='MotionAttentionDecoder'))
    cfg[key]['in_channels'] = 512
    with pytest.raises(
            ValueError,
            match=rf'model.{key}.in_channels=512, but the backbone returns '
            r'32 channels.*in_channels=32'):
        MODELS.build(cfg)


@pytest.mark.parametrize('backbone,neck,feat_shape', [
    (SLOWONLY, None, (64, 16, 1, 1)),
    (I3D, None, (64, 2, 1, 1)),
    (X3D, None, (128, 16, 1, 1)),
    (SLOWFAST, dict(type='PathwayConcatNeck'), (80, 4, 1, 1)),
    (TSM, dict(type='FramesToClipNeck', num_segments=16), (512, 16, 1, 1)),
])
def test_mmaction_backbones_train_every_parameter(backbone: dict, neck: dict,
                                                  feat_shape: tuple) -> None:
    torch.manual_seed(0)
    model = build_probed(backbone, neck)
    model.train()
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1, 2, 4, 8])
    views = model.data_preprocessor.prepare_views(inputs, samples)
    assert model.extract_feat(views['clip']).shape[1:] == feat_shape
    losses = model.loss(**preprocess(model, inputs, samples))
    assert all(torch.isfinite(value) for value in losses.values())
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name


def test_planned_model_refuses_clips_of_another_size() -> None:
    model = MODELS.build(
        dict(
            type='SelfSupRecognizer',
            backbone=dict(type='C3DEncoder', base_channels=4),
            input_size=(16, 64, 64),
            decoder=dict(type='MotionAttentionDecoder', channels=(8, 8))))
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1])
    with pytest.raises(
            ValueError,
            match=r'planned for a \(2, 4, 4\) map and a \(32, 64, 64\) '
            r'target.*\(2, 2, 2\) map and a \(32, 32, 32\) target.*'
            r'model.input_size'):
        model.loss(**preprocess(model, inputs, samples))


@pytest.mark.parametrize('backbone,match', [
    (SLOWFAST, r'ResNet3dSlowFast returns a tuple of \(1, 64, 4, 1, 1\), '
     r'\(1, 16, 16, 1, 1\).*PathwayConcatNeck'),
    (TIMESFORMER, r'TimeSformer returns a 2-D tensor of shape \(1, 32\)'
     r'(.|\n)*TimeSformer\'s are not supported'),
    (TSM, r'ResNetTSM fails on a clip of shape \(1, 3, 16, 32, 32\)'
     r'(.|\n)*FramesToClipNeck\', num_segments=16'),
])
def test_backbones_without_one_5d_map_are_refused_at_build(
        backbone: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build_probed(backbone)


def test_flop_shares_set_the_default_widths() -> None:
    cfg = dict(
        type='SelfSupRecognizer',
        backbone=dict(type='C3DEncoder', base_channels=4),
        input_size=(16, SIZE, SIZE),
        rate_head=dict(type='PRPHead'),
        decoder=dict(type='MotionAttentionDecoder'))
    wide = MODELS.build(
        dict(
            cfg,
            head_flops_share=100,
            head_params_share=100,
            decoder_flops_share=100))
    assert wide.rate_head.hidden_channels == 32
    assert wide.decoder.channels == (32, 16, 8, 8)
    narrow = MODELS.build(
        dict(cfg, head_flops_share=1e-6, decoder_flops_share=1e-6))
    assert narrow.rate_head.hidden_channels == 8
    assert narrow.decoder.channels == (8, 8, 8, 8)


def test_parameter_share_bounds_the_rate_head() -> None:
    cfg = dict(
        type='SelfSupRecognizer',
        backbone=dict(type='C3DEncoder', base_channels=4),
        input_size=(16, SIZE, SIZE),
        head_flops_share=100,
        rate_head=dict(type='PRPHead'))
    encoder = sum(p.numel() for p in MODELS.build(cfg).backbone.parameters())
    for share in (1.0, 0.25, 0.05):
        model = MODELS.build(dict(cfg, head_params_share=share))
        hidden = model.rate_head.hidden_channels
        weights = model.rate_head.conv.conv.weight.numel()
        assert weights <= share * encoder or hidden == 8, (share, hidden)
        # the widest power-of-two halving of 32 that fits
        assert hidden == 32 or 2 * weights > share * encoder, (share, hidden)


def test_prepare_views_equal_separate_gathers() -> None:
    """One gather per view gives what gathering each end apart gave."""
    model = build_model()
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1, 8, 2, 4])
    views = model.data_preprocessor.prepare_views(inputs, samples)
    frames = inputs.flatten(1, 2).transpose(1, 2)  # (N, T, C, H, W)
    batch = torch.arange(len(samples))[:, None]
    target_inds = torch.as_tensor(np.stack([s.target_inds for s in samples]))
    weights = torch.as_tensor(np.stack([s.target_weights for s in samples]))
    clip = frames[batch,
                  torch.as_tensor(np.stack([s.clip_inds for s in samples]))]
    target = torch.lerp(frames[batch, target_inds[..., 0]],
                        frames[batch, target_inds[..., 1]],
                        weights[..., None, None, None].float())
    assert torch.equal(views['clip'], clip.transpose(1, 2).contiguous())
    assert torch.equal(views['target'], target.transpose(1, 2).contiguous())
