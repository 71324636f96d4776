"""ChannelsLast3dHook: NDHWC weights, same PRP losses and gradients."""
import copy
from types import SimpleNamespace
from typing import Dict, Tuple

import numpy as np
import torch
from mmaction.registry import HOOKS, MODELS
from mmaction.structures import ActionDataSample
from mmengine.logging import MMLogger
from mmengine.model import stack_batch
from torch import nn

from mmprp.datasets.transforms import PlaybackRateSampler
from mmprp.engine.hooks import ChannelsLast3dHook, to_channels_last_3d
from mmprp.structures import PRP_SAMPLE_KEYS

SIZE = 32
Tensors = Dict[str, torch.Tensor]
# Largest accepted |grad - reference grad| / |reference grad| per parameter.
GRAD_TOLERANCE = 0.1


def narrow_prp(cfg: dict) -> nn.Module:
    """Build the narrow PRP model of ``cfg``, seeded.

    Args:
        cfg (dict): The model config (the ``narrow_prp_cfg`` fixture).

    Returns:
        nn.Module: The model in training mode.
    """
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.train()


def random_batch(num: int = 4) -> Tuple[torch.Tensor, list]:
    """Random videos sampled by a PlaybackRateSampler (random rates).

    Args:
        num (int): Batch size.

    Returns:
        tuple: Padded inputs (N, 1, 3, T, H, W) in [0, 1] and data samples.
    """
    np.random.seed(0)
    video = torch.rand(
        300, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    sampler = PlaybackRateSampler()
    inputs, samples = [], []
    for _ in range(num):
        results = sampler.transform(dict(total_frames=300))
        inputs.append(video[results['frame_inds']].transpose(0, 1)[None])
        sample = ActionDataSample()
        for key in PRP_SAMPLE_KEYS:
            sample.set_field(results[key], key)
        samples.append(sample)
    return stack_batch(inputs), samples


def losses_and_grads(
        model: nn.Module, batch: Tuple[torch.Tensor,
                                       list]) -> Tuple[Tensors, Tensors]:
    """PRP losses of a batch and the gradients of their sum.

    Args:
        model (nn.Module): The PRP model.
        batch (tuple): Inputs and data samples.

    Returns:
        tuple[dict, dict]: Losses by name, gradients by parameter name.
    """
    losses = model.loss(**model.data_preprocessor.add_views(*batch))
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    grads = {name: param.grad for name, param in model.named_parameters()}
    return {k: v.detach() for k, v in losses.items()}, grads


def fake_runner(model: nn.Module) -> SimpleNamespace:
    """The runner attributes the hook reads."""
    return SimpleNamespace(
        model=model, logger=MMLogger.get_instance('channels_last'))


def test_only_5d_tensors_change_format_and_keep_identity(
        narrow_prp_cfg) -> None:
    model = narrow_prp(narrow_prp_cfg)
    before = {name: param for name, param in model.named_parameters()}
    volumes = [p for p in model.parameters() if p.dim() == 5]
    assert to_channels_last_3d(model) == len(volumes) > 0
    for name, param in model.named_parameters():
        assert param is before[name]
        if param.dim() == 5:
            assert param.is_contiguous(memory_format=torch.channels_last_3d)
        else:
            assert param.is_contiguous()


def test_hook_is_registered_and_keeps_losses_and_gradients(
        narrow_prp_cfg) -> None:
    batch = random_batch()
    reference = narrow_prp(narrow_prp_cfg)
    model = copy.deepcopy(reference)
    hook = HOOKS.build(dict(type='ChannelsLast3dHook'))
    assert isinstance(hook, ChannelsLast3dHook)
    hook.before_train(fake_runner(model))
    conv = model.backbone.conv1a.conv.weight
    assert conv.is_contiguous(memory_format=torch.channels_last_3d)
    assert not conv.is_contiguous()
    # activations follow the weights' format from the first convolution on
    feats = model.extract_feat(
        model.data_preprocessor.prepare_views(*batch)['clip'])
    assert feats.is_contiguous(memory_format=torch.channels_last_3d)
    expected_losses, expected_grads = losses_and_grads(reference, batch)
    losses, grads = losses_and_grads(model, batch)
    # The float32 kernels of the two layouts sum in other orders, and a
    # max-pooling tie or a ReLU at zero then routes single gradient elements
    # elsewhere. Measured over 12 model seeds x 1 and 2 threads: losses
    # within 2.7e-5 relative, every parameter's gradient within 1.3e-2 of
    # its norm. A layout bug changes them by O(1).
    for key, value in expected_losses.items():
        torch.testing.assert_close(losses[key], value, rtol=1e-3, atol=1e-6)
    for name, grad in expected_grads.items():
        difference = (grads[name] - grad).norm()
        assert difference <= GRAD_TOLERANCE * grad.norm() + 1e-8, name


def test_cpu_batch_norm_can_get_exact_batch_statistics() -> None:
    # torch's CPU BatchNorm kernel for channels-last inputs: per-channel
    # relative variance error 2.7e-5 (2 threads) to 6.2e-5 (1 thread) at
    # this size (6e-4 to 3e-3 at the paper's 8x3x32x112x112); the
    # contiguous kernel, which the option makes it use: 6.2e-8.
    x = torch.rand((2, 3, 32, 64, 64),
                   generator=torch.Generator().manual_seed(0)) * 2 + 0.5
    x = x.contiguous(memory_format=torch.channels_last_3d)
    model = nn.Sequential(nn.BatchNorm3d(3, momentum=1.0))  # the batch's var
    hook = HOOKS.build(
        dict(type='ChannelsLast3dHook', contiguous_cpu_batch_norm=True))
    hook.before_train(fake_runner(model))
    with torch.no_grad():
        out = model(x)
    exact = x.double().var((0, 2, 3, 4), unbiased=True)
    error = (model[0].running_var.double() - exact).abs() / exact
    assert error.max() < 1e-6
    # the layers after it still get channels-last activations
    assert out.is_contiguous(memory_format=torch.channels_last_3d)
    torch.testing.assert_close(
        out,
        nn.functional.batch_norm(x.contiguous(), None, None, training=True))
    to_channels_last_3d(model, contiguous_cpu_batch_norm=True)
    hooks = (model[0]._forward_pre_hooks, model[0]._forward_hooks)
    assert [len(registered) for registered in hooks] == [1, 1]  # once
    plain = nn.BatchNorm3d(3)
    to_channels_last_3d(plain)
    assert not plain._forward_pre_hooks  # off by default
