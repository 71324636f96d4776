"""Build-time probe of an encoder, the head configs it completes, and advice
for clips the encoder cannot take."""
import copy
from typing import Callable, Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor
from torch.utils.flop_counter import FlopCounterMode

from .shape_problem import FRAMES_PROBLEM, find_shape_problem

MapShape = Tuple[int, int, int, int]  # (C, T, H, W) of an encoder map
Encode = Callable[[Tensor], Tensor]


def shape_advice(module: nn.Module, encode: Encode, shape: Sequence[int],
                 error: RuntimeError) -> Optional[str]:
    """What to change when ``encode`` failed on an input of ``shape``.

    Only an explicit shape check decides (:func:`find_shape_problem`, which
    re-encodes a zero input of that shape with every window layer checked);
    out of memory is never a shape problem.

    Args:
        module (nn.Module): The model whose layers to check.
        encode (callable): The encoder (with neck) on a clip.
        shape (Sequence[int]): The clip's (N, C, T, H, W).
        error (RuntimeError): What ``encode`` raised.

    Returns:
        str | None: The problem and the settings to fix, or None if no
        shape check explains the error.
    """
    if isinstance(error, torch.OutOfMemoryError):
        return None
    problem = find_shape_problem(module, encode, tuple(shape))
    if problem is None:
        return None
    if problem.kind == FRAMES_PROBLEM:
        return (f'{problem}\nA backbone of 2-D frames (TSM, TSN) needs '
                f'neck=dict(type=\'FramesToClipNeck\', '
                f'num_segments={shape[2]})')
    return (f'{problem}\nCheck prp.clip_len and the crop size of the '
            f'pipeline (C3D, R3D and R(2+1)D need 16x112x112 or comparable)')


def probe_encoder(module: nn.Module, encode: Encode,
                  input_size: Sequence[int]) -> Tuple[MapShape, int]:
    """Encode one zero clip to learn the encoder map's shape and cost.

    Runs in eval mode and without gradients (the BN statistics stay
    untouched), then restores the training mode.

    Args:
        module (nn.Module): The recognizer (its mode is switched; its
            ``backbone`` named in errors).
        encode (callable): The encoder (with neck) on a clip.
        input_size (Sequence[int]): Clip size (T, H, W).

    Returns:
        tuple: The map's (C, T', H', W') and the forward FLOPs of the
        encoder for one clip.

    Raises:
        ValueError: If ``input_size`` is not (T, H, W), or a shape check
            explains why the encoder fails on such a clip; other errors
            pass unchanged.
    """
    if len(input_size) != 3:
        raise ValueError(f'model.input_size must be the clip size '
                         f'(T, H, W), got {input_size}')
    clip = torch.zeros(1, 3, *input_size)
    counter = FlopCounterMode(display=False)
    training = module.training
    module.eval()
    try:
        with torch.no_grad(), counter:
            feats = encode(clip)
    except RuntimeError as error:
        advice = shape_advice(module, encode, clip.shape, error)
        if advice is None:
            raise
        raise ValueError(
            f'{type(module.backbone).__name__} fails on a clip of shape '
            f'{tuple(clip.shape)} (model.input_size={tuple(input_size)}): '
            f'{error}\n{advice}') from error
    finally:
        module.train(training)
    return tuple(feats.shape[1:]), counter.get_total_flops()


def complete_head_configs(heads: Dict[str, dict], feat_shape: MapShape,
                          extra_keys: Dict[str, dict]) -> Dict[str, dict]:
    """Fill the heads' encoder-dependent keys from the probe.

    Every head gets ``in_channels`` (checked when given) and ``feat_size``
    (the map's T', H', W'); a head named in ``extra_keys`` also gets those
    keys (budgets, the decoder's ``clip_size``), unless its config sets
    them.

    Args:
        heads (dict[str, dict]): Head configs by attribute name.
        feat_shape (tuple): The map's (C, T', H', W').
        extra_keys (dict[str, dict]): Further defaults per head name.

    Returns:
        dict[str, dict]: Completed copies of the configs.

    Raises:
        ValueError: If a given ``in_channels`` differs from the map's.
    """
    channels = feat_shape[0]
    completed = {}
    for name, cfg in heads.items():
        cfg = copy.deepcopy(cfg)
        given = cfg.setdefault('in_channels', channels)
        if given != channels:
            raise ValueError(
                f'model.{name}.in_channels={given}, but the backbone '
                f'returns {channels} channels for model.input_size: '
                f'set in_channels={channels} or leave it out')
        cfg.setdefault('feat_size', feat_shape[1:])
        for key, value in extra_keys.get(name, {}).items():
            cfg.setdefault(key, value)
        completed[name] = cfg
    return completed
