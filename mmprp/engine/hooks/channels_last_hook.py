"""Channels-last 3-D memory format for video models (``NDHWC``)."""
from typing import Optional, Tuple

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm


def to_channels_last_3d(model: nn.Module,
                        contiguous_cpu_batch_norm: bool = False) -> int:
    """Store every 5-D parameter and buffer of ``model`` channels-last.

    The tensors keep their identity (``.data`` is replaced), so optimizers
    and DDP wrappers built before the conversion stay valid. Lower-rank
    tensors (BN, linear layers) have no such format and are left alone.

    Args:
        model (nn.Module): The model, converted in place.
        contiguous_cpu_batch_norm (bool): Also make every BatchNorm layer
            compute its batch statistics on a contiguous (NCDHW) copy on
            the CPU (:func:`contiguous_batch_norm_on_cpu`): exact
            statistics, slower steps. Defaults to False.

    Returns:
        int: Number of tensors converted.
    """
    tensors = [*model.parameters(), *model.buffers()]
    volumes = [tensor for tensor in tensors if tensor.dim() == 5]
    for tensor in volumes:
        tensor.data = tensor.data.contiguous(
            memory_format=torch.channels_last_3d)
    if contiguous_cpu_batch_norm:
        for module in model.modules():
            if isinstance(module, _BatchNorm):
                contiguous_batch_norm_on_cpu(module)
    return len(volumes)


def contiguous_batch_norm_on_cpu(module: _BatchNorm) -> None:
    """Make a BatchNorm layer compute batch statistics on NCDHW on the CPU.

    On the CPU, torch's BatchNorm kernel for channels-last 5-D inputs
    computes the batch variance with a per-channel relative error of
    6e-4 to 3e-3 at the paper's batch (the decoder's output BN,
    8x3x32x112x112; below 1e-7 on the contiguous input;
    docs/upstream_defects.md, item 9). Two hooks, registered once: before
    the layer, a channels-last 5-D input on the CPU is copied to
    contiguous; after it, the output is copied back to channels-last (the
    layout the following layers of a channels-last model expect). Only
    where the layer uses batch statistics (training, or no running
    statistics); other devices pass unchanged. Not the default: the
    contiguous kernels (the backward above all) made a PRP C3D training
    step at batch 2 about 35 % slower on the CPU
    (``benchmarks/bench_batch_norm_layout.py``).

    Args:
        module (_BatchNorm): The layer, changed in place.
    """
    if _contiguous_input in module._forward_pre_hooks.values():
        return
    module.register_forward_pre_hook(_contiguous_input)
    module.register_forward_hook(_channels_last_output)


def _uses_batch_statistics_on_cpu(module: _BatchNorm, x: Tensor) -> bool:
    """Whether ``module`` computes statistics of the 5-D CPU tensor ``x``."""
    return ((module.training or not module.track_running_stats)
            and x.device.type == 'cpu' and x.dim() == 5)


def _contiguous_input(module: _BatchNorm, args: Tuple) -> Optional[Tuple]:
    """Forward pre-hook: the input, contiguous (None: unchanged)."""
    x = args[0]
    if not _uses_batch_statistics_on_cpu(module, x) or x.is_contiguous():
        return None
    return (x.contiguous(), *args[1:])


def _channels_last_output(module: _BatchNorm, args: Tuple,
                          output: Tensor) -> Optional[Tensor]:
    """Forward hook: the output, channels-last (None: unchanged)."""
    if not _uses_batch_statistics_on_cpu(module, output):
        return None
    return output.contiguous(memory_format=torch.channels_last_3d)


@HOOKS.register_module()
class ChannelsLast3dHook(Hook):
    """Train with 5-D weights in ``torch.channels_last_3d`` (``NDHWC``).

    The same math in another memory layout. On CUDA, cuDNN's NDHWC kernels
    (tensor cores, with mixed precision) are usually faster for 3-D
    convolutions than the default ``NCDHW``; on the CPU oneDNN's NDHWC
    kernels are faster too, most of all for the decoder's full-resolution
    layers (the 64 -> 3 output convolution at 32x112x112: 2.3 s -> 0.8 s
    forward + backward at batch 4 on 2 cores). Inputs need no cast: a
    convolution whose weight is channels-last computes in that format and
    returns channels-last activations, so every layer after the first
    follows.

    The model is converted in ``before_train``, after weight
    initialisation, ``load_from`` and ``resume``, hence after mmengine
    wrapped it in DDP: DDP's gradient buckets still have the old layout in
    the first iteration (torch warns once, "Grad strides do not match
    bucket view strides", and copies between the layouts; results are
    unchanged) and are rebuilt from the parameters' current layout after
    it. Every PRP config has it (``configs/_base_/schedules/prp_sgd_300e.py``);
    elsewhere add it with
    ``custom_hooks = [dict(type='ChannelsLast3dHook')]``.

    On the CPU, every BN then gets channels-last inputs, for which torch
    computes the batch variance less exactly (relative error up to about
    1e-3 per channel at the paper's batch; docs/upstream_defects.md, item
    9). ``contiguous_cpu_batch_norm=True`` computes the statistics on
    NCDHW copies instead (exact, about 35 % slower steps on the CPU;
    :func:`contiguous_batch_norm_on_cpu`).

    Args:
        contiguous_cpu_batch_norm (bool): See :func:`to_channels_last_3d`.
            Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, contiguous_cpu_batch_norm: bool = False) -> None:
        self.contiguous_cpu_batch_norm = contiguous_cpu_batch_norm

    def before_train(self, runner: Runner) -> None:
        """Convert the model (the wrapped module under DDP).

        Args:
            runner (Runner): The runner of the training.
        """
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        converted = to_channels_last_3d(model, self.contiguous_cpu_batch_norm)
        runner.logger.info(
            f'ChannelsLast3dHook: {converted} 5-D weights stored '
            f'channels-last on {next(model.parameters()).device}')
