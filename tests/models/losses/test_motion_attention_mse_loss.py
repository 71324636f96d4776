"""Tests for MotionAttentionMSELoss on hand-made tensors."""
import pytest
import torch
from mmaction.registry import MODELS

from mmprp.models.losses import MotionAttentionMSELoss


def _inputs() -> tuple:
    """N=2, C=1, T=3, H=1, W=2; sample 0 has valid frames 0 and 1.

    Sample 0 squared errors (pred = 0): t0 [1, 4], t1 [9, 0], t2 [100, 100]
    (t2 invalid). Sample 1 has no valid frame.
    """
    pred = torch.zeros(2, 1, 3, 1, 2)
    target = torch.zeros(2, 1, 3, 1, 2)
    target[0, 0, :, 0] = torch.tensor([[1., 2.], [3., 0.], [10., 10.]])
    target[1] = 5.0
    valid = torch.tensor([[True, True, False], [False, False, False]])
    attention = torch.ones(2, 1, 3, 1, 2)
    attention[0, 0, :, 0] = torch.tensor([[1., 2.], [0.5, 1.], [2., 2.]])
    return pred, target, valid, attention


def test_loss_with_attention_exact_value() -> None:
    pred, target, valid, attention = _inputs()
    loss = MotionAttentionMSELoss(loss_weight=2.0)(pred, target, valid,
                                                   attention)
    # Sample 0: (1*1 + 2*4 + 0.5*9 + 1*0) / (C=1 * 2 frames * 2 px) = 3.375;
    # sample 1 contributes 0; batch mean 1.6875; times 2.
    torch.testing.assert_close(loss, torch.tensor(3.375))


def test_loss_without_attention_is_masked_mse() -> None:
    pred, target, valid, _ = _inputs()
    loss = MotionAttentionMSELoss()(pred, target, valid)
    # Sample 0: (1 + 4 + 9 + 0) / 4 = 3.5; batch mean with 0 -> 1.75.
    torch.testing.assert_close(loss, torch.tensor(1.75))


def test_loss_divides_by_channels() -> None:
    target = torch.tensor([3., 4.]).view(1, 2, 1, 1, 1)
    loss = MotionAttentionMSELoss()(torch.zeros(1, 2, 1, 1, 1), target,
                                    torch.tensor([[True]]))
    torch.testing.assert_close(loss, torch.tensor(12.5))


def test_invalid_frames_get_no_gradient() -> None:
    pred, target, valid, attention = _inputs()
    pred.requires_grad_(True)
    MotionAttentionMSELoss()(pred, target, valid, attention).backward()
    assert torch.equal(pred.grad[0, 0, 2], torch.zeros(1, 2))
    assert torch.equal(pred.grad[1], torch.zeros(1, 3, 1, 2))
    # d/dpred of 0.5 * a * (t - p)^2 / 4 at p = 0 is -a * t / 4.
    torch.testing.assert_close(pred.grad[0, 0, 0, 0],
                               torch.tensor([-0.25, -1.0]))


def test_all_invalid_batch_gives_zero() -> None:
    pred, target, _, _ = _inputs()
    loss = MotionAttentionMSELoss()(pred, target, torch.zeros(2, 3).bool())
    assert torch.equal(loss, torch.tensor(0.))


@pytest.mark.parametrize('bad', ['pred', 'attention', 'frame_valid'])
def test_shape_mismatch_raises_naming_both_shapes(bad: str) -> None:
    pred, target, valid, attention = _inputs()
    args = dict(
        pred=pred, target=target, frame_valid=valid, attention=attention)
    args[bad] = args[bad][:1]
    with pytest.raises(ValueError) as err:
        MotionAttentionMSELoss()(**args)
    assert str(tuple(target.shape)) in str(err.value)
    assert str(tuple(args[bad].shape)) in str(err.value)


def test_registered() -> None:
    loss = MODELS.build(dict(type='MotionAttentionMSELoss', loss_weight=0.5))
    assert isinstance(loss, MotionAttentionMSELoss)
    assert loss.loss_weight == 0.5
