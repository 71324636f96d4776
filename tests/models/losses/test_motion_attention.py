"""Tests for the motion attention maps, against hand-computed values."""
import pytest
import torch

from mmprp.models.losses import (dense_motion_attention, minmax_rescale,
                                 sparse_motion_attention)

ATOL = 1e-5
# 0.8 + 1.2 * (1 / (14 / 3)): a pixel with mean squared difference 1 in a
# map whose minimum is 0 and maximum 14 / 3.
V_ONE_OF_14_3 = 0.8 + 1.2 * 3 / 14


def test_minmax_rescale_known_rows() -> None:
    x = torch.tensor([[0., 1., 2., 4.], [3., 3., 3., 3.]])
    out = minmax_rescale(x, dims=[1])
    expected = torch.tensor([[0.8, 1.1, 1.4, 2.0], [1.0, 1.0, 1.0, 1.0]])
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def test_minmax_rescale_constant_slice_is_exactly_one() -> None:
    out = minmax_rescale(torch.full((2, 3, 3), 7.), dims=(1, 2))
    assert torch.equal(out, torch.ones(2, 3, 3))


def test_minmax_rescale_multiple_dims_and_custom_range() -> None:
    x = torch.tensor([[[0., 2.], [6., 8.]], [[1., 1.], [1., 5.]]])
    out = minmax_rescale(x, dims=(1, 2), value_range=(0.0, 1.0), eps=0.0)
    expected = torch.tensor([[[0., 0.25], [0.75, 1.]], [[0., 0.], [0., 1.]]])
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def _sparse_clip() -> torch.Tensor:
    """Frames (N=2, C=2, S=2, K=4, H=1, W=3) with known differences.

    Mean squared consecutive differences per pixel (over the 3 differences):
    [0, 1, 14/3] for pattern ``a`` ([0,0,0,0], [0,1,2,3], [0,1,3,6]) and
    [0, 4, 4] for pattern ``b`` ([5,5,5,5], [0,2,4,6], [0,2,4,6]).
    """
    a = torch.tensor([[0., 0., 0., 0.], [0., 1., 2., 3.], [0., 1., 3., 6.]])
    b = torch.tensor([[5., 5., 5., 5.], [0., 2., 4., 6.], [0., 2., 4., 6.]])
    frames = torch.ones(2, 2, 2, 4, 1, 3)  # sample 1 stays static
    frames[0, 0, 0, :, 0, :] = a.T  # channel 0, segment 0
    frames[0, 0, 1, :, 0, :] = b.T  # channel 0, segment 1
    frames[0, 1, 1, :, 0, :] = 10 * a.T  # channel 1, segment 1
    return frames


def test_sparse_motion_attention_exact_values() -> None:
    out = sparse_motion_attention(
        _sparse_clip(), target_len=6, kernel_size=(3, 1, 1), stride=(3, 1, 1))
    assert out.shape == (2, 2, 6, 1, 3)
    expected = torch.ones(2, 2, 6, 1, 3)
    expected[0, 0, :3, 0] = torch.tensor([0.8, V_ONE_OF_14_3, 2.0])
    expected[0, 0, 3:, 0] = torch.tensor([0.8, 2.0, 2.0])
    # Channel 1 segment 0 is static -> 1; segment 1 is 10x pattern a,
    # which min-max rescaling makes identical to pattern a.
    expected[0, 1, 3:, 0] = torch.tensor([0.8, V_ONE_OF_14_3, 2.0])
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def test_sparse_motion_attention_default_pool_gives_13x13_map() -> None:
    """Motion only in the top-left 7x7 block of a 112x112 clip.

    Only the first of the 13 pooled windows per axis (stride 7, kernel 28)
    sees the block, so the pooled map is 2.0 at (0, 0) and 0.8 elsewhere.
    Upsampling 13 -> 112 maps output pixels 0..3 onto source 0 (clamped) and
    pixels >= 13 onto sources >= 1, which are all 0.8.
    """
    frames = torch.zeros(1, 3, 1, 4, 112, 112)
    frames[..., 0:7, 0:7] = torch.tensor([0., 10., 20., 30.]).view(4, 1, 1)
    out = sparse_motion_attention(frames, target_len=16)
    assert out.shape == (1, 3, 16, 112, 112)
    torch.testing.assert_close(
        out[..., :4, :4], torch.full((1, 3, 16, 4, 4), 2.0), atol=ATOL, rtol=0)
    torch.testing.assert_close(
        out[..., 13:, :],
        torch.full((1, 3, 16, 99, 112), 0.8),
        atol=ATOL,
        rtol=0)
    torch.testing.assert_close(
        out[..., :, 13:],
        torch.full((1, 3, 16, 112, 99), 0.8),
        atol=ATOL,
        rtol=0)


def test_sparse_motion_attention_static_clip_is_all_ones() -> None:
    frames = torch.full((2, 3, 2, 4, 112, 112), 0.3)
    out = sparse_motion_attention(frames, target_len=32)
    assert torch.equal(out, torch.ones(2, 3, 32, 112, 112))


def test_sparse_motion_attention_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match='target_len=7'):
        sparse_motion_attention(torch.rand(1, 3, 2, 4, 28, 28), target_len=7)
    with pytest.raises(ValueError, match=r'\(3, 20, 20\)'):
        sparse_motion_attention(torch.rand(1, 3, 2, 4, 20, 20), target_len=8)


def test_dense_motion_attention_exact_values() -> None:
    """49 frames -> 48 diffs -> pooled T' = 3 (diffs 0-14, 16-30, 32-46).

    Spatially constant frames whose squared differences are 0, 1 and 4 in the
    three pooled windows and 100 at the skipped differences 15, 31 and 47
    (which must not contribute). Pooled [0, 1, 4] -> rescaled [0.8, 1.1, 2.0]
    -> upsampled 3 -> 9 frames (source index (t + 0.5) / 3 - 0.5).
    """
    steps = torch.zeros(48)
    steps[16:31] = 1.0
    steps[32:47] = 2.0
    steps[[15, 31, 47]] = 10.0
    values = torch.cat([torch.zeros(1), steps.cumsum(0)])
    window = values.view(1, 1, 49, 1, 1).expand(1, 1, 49, 28, 28)
    out = dense_motion_attention(window, target_len=9)
    assert out.shape == (1, 1, 9, 28, 28)
    expected = torch.tensor([0.8, 0.8, 0.9, 1.0, 1.1, 1.4, 1.7, 2.0, 2.0])
    torch.testing.assert_close(
        out, expected.view(1, 1, 9, 1, 1).expand_as(out), atol=ATOL, rtol=0)


def test_dense_motion_attention_static_clip_is_all_ones() -> None:
    out = dense_motion_attention(torch.full((2, 3, 33, 112, 112), 0.5), 32)
    assert torch.equal(out, torch.ones(2, 3, 32, 112, 112))


def test_dense_motion_attention_rejects_short_window() -> None:
    with pytest.raises(ValueError, match=r'\(9, 112, 112\)'):
        dense_motion_attention(torch.rand(1, 3, 10, 112, 112), target_len=32)
