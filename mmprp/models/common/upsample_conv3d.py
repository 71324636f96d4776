"""A kernel = stride transposed conv and the 3x3x3 conv after it, as one conv.

``conv(deconv(x))`` is linear in ``x`` with no nonlinearity in between, so it
equals a single convolution of ``x`` at the input (coarse) resolution with
``out_channels * prod(stride)`` output channels, one group per output phase,
followed by a 3-D pixel shuffle. The combined weight is computed from the
two modules' own weights with differentiable ops, so autograd gives both
modules their gradients; the large upsampled tensor is never built.
"""
import itertools
import math
from typing import Iterator, List, NamedTuple, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

Size3d = Tuple[int, int, int]


def phase_taps(stride: int, device: torch.device,
               dtype: torch.dtype) -> Tensor:
    """Which coarse tap and deconv phase feed each fine conv tap, on one axis.

    A fine output at ``s * p + a`` reads, through conv tap ``d`` (offset
    ``d - 1``), the deconv output at ``s * p + a + d - 1 = s * (p + q - 1) +
    a2``: the input voxel at coarse offset ``q - 1`` through deconv phase
    ``a2``.

    Args:
        stride (int): The deconvolution's stride (= kernel) s on this axis.
        device (torch.device): Device of the result.
        dtype (torch.dtype): Dtype of the result.

    Returns:
        Tensor: 0/1 tensor ``taps[a, q, d, a2]`` of shape (s, 3, 3, s).
    """
    taps = torch.zeros(stride, 3, 3, stride, device=device, dtype=dtype)
    for phase in range(stride):
        for tap in range(3):
            coarse, deconv_phase = divmod(phase + tap - 1, stride)
            taps[phase, coarse + 1, tap, deconv_phase] = 1
    return taps


def check_fusable(deconv: nn.ConvTranspose3d, conv: nn.Conv3d) -> None:
    """Raise unless ``conv(deconv(x))`` has the form :func:`upsample_conv3d`
    computes.

    Args:
        deconv (nn.ConvTranspose3d): The upsampling layer.
        conv (nn.Conv3d): The conv after it.

    Raises:
        ValueError: If the deconvolution's kernel is not its stride (or it
            has padding, output padding, dilation or groups), or the conv is
            not a 3x3x3, stride 1, padding 1, ungrouped conv of its output.
    """
    upsamples = (
        tuple(deconv.kernel_size) == tuple(deconv.stride)
        and not any(deconv.padding) and not any(deconv.output_padding)
        and set(deconv.dilation) == {1} and deconv.groups == 1)
    if not upsamples:
        raise ValueError(
            'upsample_conv3d needs a ConvTranspose3d with kernel = stride, '
            f'no padding, dilation or groups, got {deconv}')
    keeps_size = (
        tuple(conv.kernel_size) == (3, 3, 3) and set(conv.stride) == {1}
        and set(conv.padding) == {1} and set(conv.dilation) == {1}
        and conv.groups == 1 and conv.in_channels == deconv.out_channels)
    if not keeps_size:
        raise ValueError(
            'upsample_conv3d needs a 3x3x3 Conv3d with stride 1, padding 1 '
            f'and no groups on the output of {deconv}, got {conv}')


def _combined(conv_weight: Tensor, deconv_weight: Tensor,
              stride: Size3d) -> Tensor:
    """Coarse 3x3x3 weight of ``conv(deconv(.))``.

    Args:
        conv_weight (Tensor): (Cout, Cmid, 3, 3, 3).
        deconv_weight (Tensor): (Cin, Cmid, s_t, s_h, s_w).
        stride (Size3d): (s_t, s_h, s_w).

    Returns:
        Tensor: (Cout * s_t * s_h * s_w, Cin, 3, 3, 3), output channel
        ``((k * s_t + a_t) * s_h + a_h) * s_w + a_w`` for output channel k at
        phase (a_t, a_h, a_w).
    """
    taps_t, taps_h, taps_w = (
        phase_taps(s, conv_weight.device, conv_weight.dtype) for s in stride)
    per_tap = torch.einsum('kotuv,ioabc->kituvabc', conv_weight, deconv_weight)
    combined = torch.einsum('kituvabc,xqta,yrub,zsvc->kxyziqrs', per_tap,
                            taps_t, taps_h, taps_w)
    return combined.reshape(-1, deconv_weight.shape[0], 3, 3, 3)


def _first_tap(stride: int, phase: int) -> int:
    """The first coarse tap (0, 1 or 2: offset -1, 0, +1) that output phase
    ``phase`` reads on an axis of deconvolution stride ``stride``."""
    return min((phase + tap - 1) // stride + 1 for tap in range(3))


class Phases(NamedTuple):
    """The output phases of a stride and where each reads the coarse input.

    Attributes:
        stride (Size3d): (s_t, s_h, s_w).
        offsets (list[Size3d]): Every phase (a_t, a_h, a_w), in the order
            of :func:`_combined`'s output channels.
        shifts (list[Size3d]): Per phase, the first coarse tap it reads on
            each axis; it reads ``kernel`` taps from there.
        kernel (Size3d): 3 on an axis of stride 1 (every tap), else 2 (a
            phase reads 2 of the 3 taps there; the weight of a tap it does
            not read is zero).
    """

    stride: Size3d
    offsets: List[Size3d]
    shifts: List[Size3d]
    kernel: Size3d

    @classmethod
    def of(cls, stride: Size3d) -> 'Phases':
        """The phases of ``stride``."""
        offsets = list(itertools.product(*(range(s) for s in stride)))
        shifts = [
            tuple(0 if s == 1 else _first_tap(s, a)
                  for s, a in zip(stride, offset)) for offset in offsets
        ]
        kernel = tuple(3 if s == 1 else 2 for s in stride)
        return cls(tuple(stride), offsets, shifts, kernel)


def _phase_weight(combined: Tensor, phases: Phases,
                  out_channels: int) -> Tensor:
    """Each phase's taps of the combined 3x3x3 weight.

    Args:
        combined (Tensor): (Cout * P, Cin, 3, 3, 3) from :func:`_combined`.
        phases (Phases): The phases (P of them).
        out_channels (int): Cout.

    Returns:
        Tensor: (Cout * P, Cin, k_t, k_h, k_w), channel ``k * P + p`` for
        output channel k at phase p.
    """
    per_phase = combined.view(out_channels, len(phases.offsets),
                              *combined.shape[1:])
    kt, kh, kw = phases.kernel
    taps = [
        per_phase[:, index, :, t:t + kt, h:h + kh, w:w + kw]
        for index, (t, h, w) in enumerate(phases.shifts)
    ]
    return torch.stack(taps, 1).flatten(0, 1)


def _phase_views(coarse: Tensor, fine: Tensor, phases: Phases,
                 size: Size3d) -> Iterator[Tuple[Tensor, Tensor]]:
    """Pairs (a phase's outputs in ``coarse``, its place in ``fine``).

    Args:
        coarse (Tensor): (N, Cout * P, T + k_t - 1, H + k_h - 1,
            W + k_w - 1) outputs of the 2-tap convolution (padding 1);
            phase p of output channel k is channel ``k * P + p``, kept from
            the phase's shift on.
        fine (Tensor): (N, Cout, s_t T, s_h H, s_w W); any strides.
        phases (Phases): The phases.
        size (Size3d): (T, H, W), the coarse input's size.

    Yields:
        tuple[Tensor, Tensor]: Per phase, views (N, Cout, T, H, W) of its
        kept outputs in ``coarse`` and of its voxels in ``fine``.
    """
    (n, _, *kept), count = coarse.shape, len(phases.offsets)
    by_phase = coarse.view(n, -1, count, *kept)
    t, h, w = size
    by_offset = fine.unflatten(2, (t, -1)).unflatten(4, (h, -1)).unflatten(
        6, (w, -1))
    for index, ((at, ah, aw),
                (st, sh, sw)) in enumerate(zip(phases.offsets, phases.shifts)):
        yield (by_phase[:, :, index, st:st + t, sh:sh + h,
                        sw:sw + w], by_offset[:, :, :, at, :, ah, :, aw])


class _Interleave(torch.autograd.Function):
    """Put each phase's coarse outputs in its place at the fine resolution
    (a 3-D pixel shuffle that also drops each phase's extra border)."""

    @staticmethod
    def forward(ctx, coarse: Tensor, phases: Phases, size: Size3d) -> Tensor:
        """(N, Cout * P, ...) coarse outputs -> (N, Cout, s_t T, s_h H,
        s_w W), channels-last."""
        ctx.phases, ctx.size, ctx.coarse_shape = phases, size, coarse.shape
        n, channels = coarse.shape[0], coarse.shape[1] // len(phases.offsets)
        fine_size = [s * k for s, k in zip(phases.stride, size)]
        fine = torch.empty((n, channels, *fine_size),
                           dtype=coarse.dtype,
                           device=coarse.device,
                           memory_format=torch.channels_last_3d)
        for source, place in _phase_views(coarse, fine, phases, size):
            place.copy_(source)
        return fine

    @staticmethod
    def backward(ctx, grad_fine: Tensor) -> Tuple[Tensor, None, None]:
        """Each phase's gradient back to its coarse outputs (zero at the
        outputs no phase keeps)."""
        grad_coarse = torch.empty(
            ctx.coarse_shape,
            dtype=grad_fine.dtype,
            device=grad_fine.device,
            memory_format=torch.channels_last_3d).zero_()
        for place, grad in _phase_views(grad_coarse, grad_fine, ctx.phases,
                                        ctx.size):
            place.copy_(grad)
        return grad_coarse, None, None


def upsample_conv3d(x: Tensor, deconv: nn.ConvTranspose3d,
                    conv: nn.Conv3d) -> Tensor:
    """``conv(deconv(x))`` as one convolution of ``x`` and a pixel shuffle.

    Same value and gradients (for ``x`` and both modules' parameters) as the
    two layers, up to float rounding. At the coarse resolution, each output
    phase (position within a stride cell) reads only 2 of the 3 taps on
    every axis of stride > 1, so one convolution with a 2-tap kernel there
    (3 on axes of stride 1), padding 1, computes every phase at once:
    ``8 * Cin * Cout * P`` multiply-adds per coarse voxel (P phases) where
    the two layers do ``P * Cin * Cmid + 27 * P * Cmid * Cout``. The
    deconvolution's bias enters as one more input channel of ones, so zero
    padding treats it as the two layers do; the ``Cmid``-channel upsampled
    tensor is never built. :func:`fusion_is_cheaper` tells when this pays:
    with small maps and wide layers, combining the weights costs more than
    it saves.

    Args:
        x (Tensor): Input (N, Cin, T, H, W), any memory format.
        deconv (nn.ConvTranspose3d): Kernel = stride transposed conv
            (Cin -> Cmid), with or without bias.
        conv (nn.Conv3d): 3x3x3, padding 1 conv (Cmid -> Cout), with or
            without bias.

    Returns:
        Tensor: (N, Cout, s_t T, s_h H, s_w W), channels-last.

    Raises:
        ValueError: See :func:`check_fusable`.
    """
    check_fusable(deconv, conv)
    phases = Phases.of(tuple(deconv.stride))
    size = tuple(x.shape[2:])
    weight = deconv.weight
    if deconv.bias is not None:
        x = torch.cat([x, x.new_ones(x.shape[0], 1, *size)], 1)
        weight = torch.cat([
            weight,
            deconv.bias.view(1, -1, 1, 1, 1).expand(1, -1, *phases.stride)
        ])
    combined = _combined(conv.weight, weight, phases.stride)
    kernel_weight = _phase_weight(combined, phases, conv.out_channels)
    coarse = F.conv3d(
        x.contiguous(memory_format=torch.channels_last_3d),
        kernel_weight.contiguous(memory_format=torch.channels_last_3d),
        padding=1)
    out = _Interleave.apply(coarse, phases, size)
    if conv.bias is not None:
        out = out + conv.bias.view(1, -1, 1, 1, 1)
    return out


# Fuse only below this share of the two layers' multiply-adds: the fused
# path's 2-tap convolution and weight combination run at a lower rate. On
# the 2-core CPU (batch 4, one thread) the authors' decoder's third up block
# (34 %) ran 2.5x faster fused, its second (47 %) no faster, its first
# (180 %: the combination dominates small maps) 11x slower.
FUSION_MAX_SHARE = 0.4


def fusion_is_cheaper(x_shape: Sequence[int], deconv: nn.ConvTranspose3d,
                      conv: nn.Conv3d) -> bool:
    """Whether :func:`upsample_conv3d` does clearly fewer multiply-adds
    (forward, weights combined included: below :data:`FUSION_MAX_SHARE`)
    than the two layers on an input of ``x_shape``.

    Args:
        x_shape (Sequence[int]): (N, Cin, T, H, W).
        deconv (nn.ConvTranspose3d): The upsampling layer.
        conv (nn.Conv3d): The 3x3x3 conv after it.

    Returns:
        bool: True if fusing them costs clearly fewer multiply-adds.
    """
    n, in_channels, *size = x_shape
    mid, out = deconv.out_channels, conv.out_channels
    phases = Phases.of(tuple(deconv.stride))
    count = len(phases.offsets)
    voxels = n * math.prod(size)
    layers = voxels * count * (in_channels * mid + 27 * mid * out)
    padded = n * math.prod(k + s - 1 for k, s in zip(phases.kernel, size))
    fused = (
        padded * math.prod(phases.kernel) *
        (in_channels + 1) * out * count + 27 * count *
        (in_channels + 1) * mid * out)
    return fused < FUSION_MAX_SHARE * layers
