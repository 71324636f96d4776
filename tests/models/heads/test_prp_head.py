"""Tests for the playback-rate classification head."""
import math

import torch
from mmaction.registry import MODELS

from mmprp.models.heads import PRPHead


def test_forward_and_predict_shapes() -> None:
    head = MODELS.build(dict(type='PRPHead', num_classes=4, in_channels=16))
    head.init_weights()
    feats = torch.randn(2, 16, 2, 7, 7)
    assert head(feats).shape == (2, 4)
    probs = head.predict(feats)
    assert probs.shape == (2, 4)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))


def test_hidden_channels() -> None:
    head = PRPHead(num_classes=3, in_channels=16, hidden_channels=8)
    assert head.conv.conv.out_channels == 8
    assert head.fc_rate.in_features == 8
    assert PRPHead(num_classes=3, in_channels=16).fc_rate.in_features == 16


def test_loss_by_feat_on_crafted_logits() -> None:
    head = PRPHead(num_classes=4, in_channels=8)
    logits = torch.tensor([[2., 0., 0., 0.], [0., 0., 3., 0.],
                           [0., 1., 0., 0.]], requires_grad=True)
    labels = torch.tensor([0, 2, 3])
    losses = head.loss_by_feat(logits, labels)
    # Cross entropy -log softmax of the true class, times loss_weight 0.1.
    ce = [math.log(math.e**2 + 3) - 2, math.log(math.e**3 + 3) - 3,
          math.log(math.e + 3)]
    torch.testing.assert_close(losses['loss_rate'],
                               torch.tensor(0.1 * sum(ce) / 3))
    torch.testing.assert_close(losses['rate_acc'], torch.tensor(2 / 3))
    assert not losses['rate_acc'].requires_grad


def test_loss_backpropagates_to_all_parameters() -> None:
    head = PRPHead(num_classes=4, in_channels=8)
    losses = head.loss(torch.randn(3, 8, 2, 4, 4), torch.tensor([0, 1, 3]))
    losses['loss_rate'].backward()
    for name, param in head.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
    assert head.fc_rate.weight.grad.abs().sum() > 0
