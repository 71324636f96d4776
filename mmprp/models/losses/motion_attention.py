"""Motion attention maps for the m-MSE reconstruction loss (PRP, Sec. 3.3).

A motion attention map ``M`` weights the per-pixel reconstruction error so the
decoder concentrates on regions in significant motion:
``M = Upsample(Activate(Pool3d(Diff(R))))`` with ``R`` the raw frames of the
sampling window, ``Diff`` squared frame differences, ``Pool3d`` a 3D average
pool, ``Activate`` a min-max rescale into ``[lambda1, lambda2]`` and
``Upsample`` trilinear interpolation to the reconstruction target's size.

Two variants are provided:

* :func:`sparse_motion_attention` -- the authors' implementation: per
  16-raw-frame segment, differences of the frames at offsets 0, 5, 10, 15.
* :func:`dense_motion_attention` -- the paper's description: differences of
  all consecutive raw frames of the window.
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def minmax_rescale(x: Tensor,
                   dims: Sequence[int],
                   value_range: Tuple[float, float] = (0.8, 2.0),
                   eps: float = 1e-6) -> Tensor:
    """Min-max rescale ``x`` into ``value_range`` per slice over ``dims``.

    Per slice: ``y = (x - min + eps) / (max - min + eps)`` and
    ``out = lo + (hi - lo) * y``. A constant slice (``max == min``) maps to
    exactly 1.0, i.e. no reweighting, instead of ``hi``.

    Args:
        x (Tensor): Input of any shape.
        dims (Sequence[int]): Dimensions reduced to find min and max; the
            remaining dimensions index independent slices.
        value_range (Tuple[float, float]): Output range ``(lo, hi)``.
            Defaults to ``(0.8, 2.0)``.
        eps (float): Stabiliser added to numerator and denominator.
            Defaults to 1e-6.

    Returns:
        Tensor: Rescaled tensor, same shape as ``x``.
    """
    lo, hi = value_range
    dims = tuple(dims)
    x_min = x.amin(dim=dims, keepdim=True)
    x_max = x.amax(dim=dims, keepdim=True)
    y = (x - x_min + eps) / (x_max - x_min + eps)
    out = lo + (hi - lo) * y
    return out.masked_fill(x_max == x_min, 1.0)


def _check_pool_fits(diffs: Tensor, kernel_size: Tuple[int, int, int]) -> None:
    """Raise if the difference maps are smaller than the pooling kernel.

    Args:
        diffs (Tensor): Difference maps, shape (B, C, D, H, W).
        kernel_size (Tuple[int, int, int]): Pool kernel (kD, kH, kW).

    Raises:
        ValueError: If any of D, H, W is smaller than its kernel size.
    """
    size = tuple(diffs.shape[2:])
    if any(s < k for s, k in zip(size, kernel_size)):
        raise ValueError(
            f'frame differences of size (D, H, W)={size} are smaller than '
            f'the motion attention pooling kernel {tuple(kernel_size)}')


def _pool_rescale_upsample(diffs: Tensor, out_size: Tuple[int, int, int],
                           value_range: Tuple[float, float],
                           kernel_size: Tuple[int, int, int],
                           stride: Tuple[int, int, int]) -> Tensor:
    """Average-pool, min-max rescale and trilinearly upsample difference maps.

    Args:
        diffs (Tensor): Squared frame differences, shape (B, C, D, H, W).
        out_size (Tuple[int, int, int]): Output size (T, H_out, W_out).
        value_range (Tuple[float, float]): Rescale range ``(lo, hi)``.
        kernel_size (Tuple[int, int, int]): 3D average pool kernel.
        stride (Tuple[int, int, int]): 3D average pool stride.

    Returns:
        Tensor: Attention of shape (B, C, T, H_out, W_out); each (b, c) map is
        rescaled over its whole pooled volume.
    """
    _check_pool_fits(diffs, kernel_size)
    pooled = F.avg_pool3d(diffs, kernel_size=kernel_size, stride=stride)
    activated = minmax_rescale(pooled, dims=(2, 3, 4), value_range=value_range)
    return F.interpolate(
        activated, size=out_size, mode='trilinear', align_corners=False)


def _squared_diffs(frames: Tensor, dim: int) -> Tensor:
    """Squared differences of consecutive entries along ``dim``.

    Args:
        frames (Tensor): Frames with time along ``dim``.
        dim (int): The time dimension.

    Returns:
        Tensor: ``(f[t+1] - f[t]) ** 2``, one entry shorter along ``dim``.
    """
    return torch.diff(frames, dim=dim).square()


def sparse_motion_attention(
    frames: Tensor,
    target_len: int,
    value_range: Tuple[float, float] = (0.8, 2.0),
    kernel_size: Tuple[int, int, int] = (3, 28, 28),
    stride: Tuple[int, int, int] = (3, 7, 7)
) -> Tensor:
    """Motion attention as in the authors' code (per 16-frame segment).

    Each of the S segments contributes the squared differences of its K
    selected raw frames (K = 4: offsets 0, 5, 10, 15 -> 3 differences per
    channel), pooled to one (h, w) map per channel (13 x 13 for 112 x 112),
    min-max rescaled per sample, segment and channel, and upsampled to
    ``target_len // S`` frames; segments are concatenated in time.

    Args:
        frames (Tensor): Selected raw frames, shape (N, C, S, K, H, W).
        target_len (int): Number of frames T of the reconstruction target;
            must be divisible by S.
        value_range (Tuple[float, float]): Rescale range ``(lo, hi)``.
            Defaults to ``(0.8, 2.0)``.
        kernel_size (Tuple[int, int, int]): Pool kernel over
            (differences, H, W). Defaults to ``(3, 28, 28)``.
        stride (Tuple[int, int, int]): Pool stride. Defaults to ``(3, 7, 7)``.

    Returns:
        Tensor: Attention map of shape (N, C, target_len, H, W).

    Raises:
        ValueError: If ``frames`` is not 6-D, ``target_len`` is not divisible
            by S, or the differences are smaller than the pool kernel.
    """
    if frames.dim() != 6:
        raise ValueError('sparse motion attention expects frames of shape '
                         f'(N, C, S, K, H, W), got {tuple(frames.shape)}')
    n, c, s, _, h, w = frames.shape
    if target_len % s != 0:
        raise ValueError(f'target_len={target_len} is not divisible by the '
                         f'number of segments S={s}')
    seg_len = target_len // s
    diffs = _squared_diffs(frames, dim=3)  # (N, C, S, K-1, H, W)
    diffs = diffs.transpose(1, 2).flatten(0, 1)  # (N*S, C, K-1, H, W)
    attention = _pool_rescale_upsample(diffs, (seg_len, h, w), value_range,
                                       kernel_size, stride)
    attention = attention.view(n, s, c, seg_len, h, w).transpose(1, 2)
    return attention.reshape(n, c, target_len, h, w)


def dense_motion_attention(
    window: Tensor,
    target_len: int,
    value_range: Tuple[float, float] = (0.8, 2.0),
    kernel_size: Tuple[int, int, int] = (15, 28, 28),
    stride: Tuple[int, int, int] = (16, 7, 7)
) -> Tensor:
    """Motion attention as described in the paper (all consecutive frames).

    ``D^t = (R^{t+1} - R^t)^2`` for every pair of consecutive raw frames,
    3D average pooled, min-max rescaled per sample and channel over the whole
    pooled volume, and trilinearly upsampled to the target's size.

    Args:
        window (Tensor): All raw frames of the sampling window,
            shape (N, C, T, H, W).
        target_len (int): Number of frames of the reconstruction target.
        value_range (Tuple[float, float]): Rescale range ``(lo, hi)``.
            Defaults to ``(0.8, 2.0)``.
        kernel_size (Tuple[int, int, int]): Pool kernel.
            Defaults to ``(15, 28, 28)``.
        stride (Tuple[int, int, int]): Pool stride.
            Defaults to ``(16, 7, 7)``.

    Returns:
        Tensor: Attention map of shape (N, C, target_len, H, W).

    Raises:
        ValueError: If ``window`` is not 5-D or the T - 1 differences are
            smaller than the pool kernel.
    """
    if window.dim() != 5:
        raise ValueError('dense motion attention expects a window of shape '
                         f'(N, C, T, H, W), got {tuple(window.shape)}')
    h, w = window.shape[-2:]
    diffs = _squared_diffs(window, dim=2)  # (N, C, T-1, H, W)
    return _pool_rescale_upsample(diffs, (target_len, h, w), value_range,
                                  kernel_size, stride)
