"""Per-stage strides and widths of the slow-motion decoder.

The decoder upsamples an encoder map (T', H', W') to the reconstruction
target (r T, H, W) with one transposed convolution (kernel = stride) per
stage. The plan here chooses each stage's temporal and spatial strides so
that no stage decodes more than the target on any axis, and, when asked,
the widths so that the decoder's cost stays within a FLOP budget.

Rules (docs/backbones.md):

- Per axis the total factor is the largest integer <= target // map whose
  prime factors are all <= 7 (exact for C3D, 2x7x7 -> 32x112x112: 16, 16;
  for a 4x4 map at 112: 28 = 2 * 2 * 7; C3D at crop 56, map 3x3: 18 =
  2 * 3 * 3, decoding 54x54 that the decoder resizes up to 56x56).
- The number of stages is the number of prime factors of the largest
  spatial factor (C3D: 4; a 4x4 map at 112: 3), or ``len(channels)``.
- Each axis' factor is split over the stages as evenly as possible, the
  larger strides last and the stride-1 stages first: resolution grows as
  late as possible, where the stages are narrowest.
- Default widths: ``c0`` = the largest power of two <= ``min(in_channels,
  512)``, halved per stage (at least 8), with ``c0`` halved until the
  decoder's forward FLOPs fit the budget (SelfSupRecognizer's
  ``decoder_flops_share``, 0.75, of the encoder's FLOPs). C3D at 16x112x112
  keeps the authors' (512, 256, 128, 64): 50 GFLOPs against the encoder's
  77.
"""
import math
from typing import List, Optional, Sequence, Tuple

from ..common import halve_to_fit

Size3d = Tuple[int, int, int]

MAX_PRIME = 7
MAX_WIDTH = 512
MIN_WIDTH = 8
KERNEL_VOLUME = 27  # the 3x3x3 convolutions


def prime_factors(number: int) -> List[int]:
    """Prime factors of a positive integer, ascending, with multiplicity.

    Args:
        number (int): At least 1.

    Returns:
        list[int]: E.g. ``[2, 2, 7]`` for 28, ``[]`` for 1.
    """
    factors, divisor = [], 2
    while divisor * divisor <= number:
        while number % divisor == 0:
            factors.append(divisor)
            number //= divisor
        divisor += 1
    if number > 1:
        factors.append(number)
    return factors


def reachable_factor(size: int, target: int) -> int:
    """Largest upsampling factor <= target // size with primes <= 7.

    Args:
        size (int): Size of the encoder map on an axis.
        target (int): Size of the target on that axis.

    Returns:
        int: The factor, at least 1.

    Raises:
        ValueError: If the map is larger than the target.
    """
    factor = target // size
    if factor < 1:
        raise ValueError(f'the encoder map ({size}) is larger than the '
                         f'target ({target}) on an axis: the decoder only '
                         f'upsamples; check model.input_size and the '
                         f'decoder\'s recon_rate')
    while max(prime_factors(factor), default=1) > MAX_PRIME:
        factor -= 1
    return factor


def split_factor(factor: int, num_stages: int) -> Tuple[int, ...]:
    """Split an upsampling factor into per-stage strides.

    The largest primes go first, each to the stage with the smallest
    product so far; the strides are then sorted ascending (stride-1 stages
    first, the largest stride last).

    Args:
        factor (int): Total factor of the axis.
        num_stages (int): Number of stages.

    Returns:
        tuple[int, ...]: ``num_stages`` strides whose product is ``factor``.
    """
    strides = [1] * num_stages
    for prime in sorted(prime_factors(factor), reverse=True):
        smallest = min(range(num_stages), key=lambda i: (strides[i], -i))
        strides[smallest] *= prime
    return tuple(sorted(strides))


def plan_strides(feat_size: Size3d,
                 target_size: Size3d,
                 num_stages: Optional[int] = None) -> Tuple[Size3d, ...]:
    """Per-stage (t, h, w) strides from a map size to at most a target.

    Args:
        feat_size (tuple[int, int, int]): Encoder map (T', H', W').
        target_size (tuple[int, int, int]): Target (T, H, W).
        num_stages (int, optional): Number of stages; defaults to the number
            of prime factors of the larger spatial factor (at least 1).

    Returns:
        tuple[tuple[int, int, int], ...]: One (t, h, w) stride per stage.
    """
    factors = [
        reachable_factor(size, target)
        for size, target in zip(feat_size, target_size)
    ]
    if num_stages is None:
        num_stages = max(1, *(len(prime_factors(f)) for f in factors[1:]))
    per_axis = [split_factor(factor, num_stages) for factor in factors]
    return tuple(zip(*per_axis))


def decoded_size(feat_size: Size3d, strides: Sequence[Size3d]) -> Size3d:
    """The size a plan decodes a map of ``feat_size`` to.

    Args:
        feat_size (tuple[int, int, int]): Encoder map (T', H', W').
        strides (Sequence[tuple[int, int, int]]): Per-stage strides.

    Returns:
        tuple[int, int, int]: Decoded (T, H, W).
    """
    return tuple(size * math.prod(stride[axis] for stride in strides)
                 for axis, size in enumerate(feat_size))


def decoder_flops(in_channels: int, channels: Sequence[int], feat_size: Size3d,
                  strides: Sequence[Size3d], out_channels: int) -> int:
    """Forward FLOPs (2 x multiply-adds) of the decoder's convolutions.

    Args:
        in_channels (int): Channels of the encoder map.
        channels (Sequence[int]): Stage widths.
        feat_size (tuple[int, int, int]): Encoder map (T', H', W').
        strides (Sequence[tuple[int, int, int]]): Per-stage strides, one
            per entry of ``channels``.
        out_channels (int): Channels of the reconstruction.

    Returns:
        int: FLOPs for one clip (norms and activations not counted).
    """
    volume = math.prod(feat_size)
    macs = KERNEL_VOLUME * in_channels * channels[0] * volume
    widths = list(channels) + [out_channels]
    for stage, stride in enumerate(strides):
        width = widths[stage]
        volume *= math.prod(stride)
        if math.prod(stride) > 1:
            macs += width * width * volume  # the transposed convolution
        macs += KERNEL_VOLUME * width * widths[stage + 1] * volume
    return 2 * macs


def default_channels(in_channels: int, num_stages: int) -> Tuple[int, ...]:
    """Widths from ``min(in_channels, 512)`` halved per stage, at least 8.

    The first width is the largest power of two <= ``min(in_channels,
    512)`` (432 channels: 256).

    Args:
        in_channels (int): Channels of the encoder map.
        num_stages (int): Number of stages.

    Returns:
        tuple[int, ...]: E.g. (512, 256, 128, 64) for 512 channels and 4
        stages.
    """
    first = 1 << (min(in_channels, MAX_WIDTH).bit_length() - 1)
    return tuple(max(first >> stage, MIN_WIDTH) for stage in range(num_stages))


def channels_within_budget(in_channels: int, feat_size: Size3d,
                           strides: Sequence[Size3d], out_channels: int,
                           max_flops: Optional[float]) -> Tuple[int, ...]:
    """The widest default widths whose decoder fits a FLOP budget.

    Args:
        in_channels (int): Channels of the encoder map.
        feat_size (tuple[int, int, int]): Encoder map (T', H', W').
        strides (Sequence[tuple[int, int, int]]): Per-stage strides.
        out_channels (int): Channels of the reconstruction.
        max_flops (float, optional): Budget; None for no budget.

    Returns:
        tuple[int, ...]: :func:`default_channels` of ``in_channels`` halved
        until the decoder fits (or its first width is 8).
    """

    def fits(first: int) -> bool:
        return max_flops is None or decoder_flops(
            in_channels, default_channels(first, len(strides)), feat_size,
            strides, out_channels) <= max_flops

    first = default_channels(in_channels, 1)[0]
    return default_channels(halve_to_fit(first, fits, MIN_WIDTH), len(strides))
