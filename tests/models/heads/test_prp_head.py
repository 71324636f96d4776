"""Tests for the playback-rate classification head."""
import math
from typing import List

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mmprp.models.heads import PRPHead


def samples(labels: List[int], num_rates: int = 4) -> List[ActionDataSample]:
    """Data samples as PackPRPInputs makes them (rate label, num_rates)."""
    out = []
    for label in labels:
        sample = ActionDataSample()
        sample.set_field(label, 'rate_label')
        sample.set_field(num_rates, 'num_rates')
        out.append(sample)
    return out


def test_forward_and_predict_write_into_the_samples() -> None:
    head = MODELS.build(dict(type='PRPHead', num_classes=4, in_channels=16))
    head.init_weights()
    feats = torch.randn(2, 16, 2, 7, 7)
    assert head(feats).shape == (2, 4)
    predicted = head.predict(feats, samples([0, 1]))
    assert len(predicted) == 2
    for sample, logits in zip(predicted, head(feats)):
        assert sample.rate_scores.shape == (4, )
        torch.testing.assert_close(sample.rate_scores.sum(), torch.tensor(1.))
        assert int(sample.pred_rate) == int(logits.argmax())


def test_hidden_channels() -> None:
    head = PRPHead(num_classes=3, in_channels=16, hidden_channels=8)
    assert head.conv.conv.out_channels == 8
    assert head.fc_rate.in_features == 8
    assert PRPHead(num_classes=3, in_channels=16).fc_rate.in_features == 16


def test_loss_by_feat_reads_labels_from_the_samples() -> None:
    head = PRPHead(num_classes=4, in_channels=8)
    logits = torch.tensor(
        [[2., 0., 0., 0.], [0., 0., 3., 0.], [0., 1., 0., 0.]],
        requires_grad=True)
    losses = head.loss_by_feat(logits, samples([0, 2, 3]))
    # Cross entropy -log softmax of the true class, times loss_weight 0.1.
    ce = [
        math.log(math.e**2 + 3) - 2,
        math.log(math.e**3 + 3) - 3,
        math.log(math.e + 3)
    ]
    torch.testing.assert_close(losses['loss_rate'],
                               torch.tensor(0.1 * sum(ce) / 3))
    torch.testing.assert_close(losses['rate_acc'], torch.tensor(2 / 3))
    assert not losses['rate_acc'].requires_grad


@pytest.mark.parametrize('num_rates', [3, 5])
def test_a_sampler_with_another_number_of_rates_is_refused(
        num_rates: int) -> None:
    head = PRPHead(num_classes=4, in_channels=8)
    with pytest.raises(
            ValueError,
            match=f'draws from {num_rates} rates, but '
            r'model.rate_head has num_classes=4'):
        head.loss(torch.randn(2, 8, 2, 4, 4), samples([0, 1], num_rates))


def test_samples_without_the_sampler_keys_are_refused() -> None:
    head = PRPHead(num_classes=4, in_channels=8)
    with pytest.raises(KeyError, match='lacks `rate_label`.*PackPRPInputs'):
        head.loss(torch.randn(1, 8, 2, 4, 4), [ActionDataSample()])


def test_loss_backpropagates_to_all_parameters() -> None:
    head = PRPHead(num_classes=4, in_channels=8)
    losses = head.loss(torch.randn(3, 8, 2, 4, 4), samples([0, 1, 3]))
    losses['loss_rate'].backward()
    for name, param in head.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
    assert head.fc_rate.weight.grad.abs().sum() > 0


def test_wide_encoder_gets_a_512_wide_head() -> None:
    # CSN-50 / SlowOnly-R50 / I3D-R50: 2048 channels; a 2048-wide hidden
    # conv would have 113M parameters
    head = PRPHead(num_classes=4, in_channels=2048)
    assert head.hidden_channels == 512
    conv, bn, fc = 2048 * 512 * 27, 2 * 512, 512 * 4 + 4
    assert sum(p.numel() for p in head.parameters()) == conv + bn + fc
    assert conv + bn + fc < 28.4e6


def test_c3d_head_keeps_the_authors_width() -> None:
    head = PRPHead(
        num_classes=4,
        in_channels=512,
        feat_size=(2, 7, 7),
        max_flops=0.25 * 77e9)
    assert head.hidden_channels == 512


def test_hidden_width_halves_to_fit_the_flop_budget() -> None:
    # SlowOnly-R50 map 2048x16x4x4: a 512-wide conv costs 14.5 GFLOPs
    flops_512 = 2 * 27 * 2048 * 512 * 16 * 4 * 4
    head = PRPHead(
        num_classes=4,
        in_channels=2048,
        feat_size=(16, 4, 4),
        max_flops=flops_512 - 1)
    assert head.hidden_channels == 256
    tiny = PRPHead(
        num_classes=4, in_channels=2048, feat_size=(16, 4, 4), max_flops=1)
    assert tiny.hidden_channels == 8
    explicit = PRPHead(
        num_classes=4,
        in_channels=2048,
        hidden_channels=1024,
        feat_size=(16, 4, 4),
        max_flops=1)
    assert explicit.hidden_channels == 1024


def test_hidden_width_halves_to_fit_the_parameter_budget() -> None:
    # I3D-R50 map 2048x2x4x4: cheap in FLOPs, but a 512-wide conv has
    # 28.3M weights, more than the encoder's 27.2M
    weights_512 = 27 * 2048 * 512
    head = PRPHead(
        num_classes=4,
        in_channels=2048,
        feat_size=(2, 4, 4),
        max_flops=1e12,
        max_params=weights_512 // 4)
    assert head.hidden_channels == 128
    assert head.conv.conv.weight.numel() == weights_512 // 4
    unbounded = PRPHead(
        num_classes=4, in_channels=2048, feat_size=(2, 4, 4), max_flops=1e12)
    assert unbounded.hidden_channels == 512


def test_num_classes_comes_from_the_protocol() -> None:
    head = PRPHead(in_channels=8, protocol=dict(rates=(1, 2)))
    assert head.num_classes == 2 and head.fc_rate.out_features == 2
    with pytest.raises(ValueError, match='num_classes=4, but prp gives 2'):
        PRPHead(num_classes=4, in_channels=8, protocol=dict(rates=(1, 2)))
