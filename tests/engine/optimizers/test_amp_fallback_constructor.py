"""AmpFallbackOptimWrapperConstructor: AMP on a GPU, float32 on a CPU."""

import pytest
import torch
from mmengine import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper, build_optim_wrapper
from torch import nn

import mmprp.engine.optimizers.amp_fallback_constructor as constructor
from helpers import REPO

AMP_CONFIG = REPO / 'configs' / 'prp' / 'prp_c3d_ucf101_amp.py'


class TinyPRP(nn.Module):
    """Parameters named like PRP's, for the paramwise ``lr_mult``."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Conv3d(3, 4, 1)
        self.rate_head = nn.Module()
        self.rate_head.fc_rate = nn.Linear(4, 4)


def lr_of(wrapper: OptimWrapper, param: nn.Parameter) -> float:
    """Learning rate of the parameter group that holds ``param``."""
    group, = [
        g for g in wrapper.optimizer.param_groups
        if any(p is param for p in g['params'])
    ]
    return group['lr']


def amp_cfg() -> dict:
    """The ``optim_wrapper`` of the AMP config."""
    return Config.fromfile(AMP_CONFIG).optim_wrapper.to_dict()


def test_cpu_gets_float32_optim_wrapper_with_same_settings(
        monkeypatch) -> None:
    monkeypatch.setattr(constructor, 'amp_device_available', lambda: False)
    model = TinyPRP()
    wrapper = build_optim_wrapper(model, amp_cfg())
    assert type(wrapper) is OptimWrapper
    assert isinstance(wrapper.optimizer, torch.optim.SGD)
    assert lr_of(wrapper, model.backbone.weight) == pytest.approx(0.01)
    assert lr_of(wrapper, model.rate_head.fc_rate.weight) == pytest.approx(0.1)


def test_accelerator_gets_the_configured_amp_optim_wrapper(
        monkeypatch) -> None:
    monkeypatch.setattr(constructor, 'amp_device_available', lambda: True)
    # AmpOptimWrapper checks for a device itself; its GradScaler builds
    # (disabled) on a CPU
    monkeypatch.setattr(
        'mmengine.optim.optimizer.amp_optimizer_wrapper.is_cuda_available',
        lambda: True)
    model = TinyPRP()
    wrapper = build_optim_wrapper(model, amp_cfg())
    assert type(wrapper) is AmpOptimWrapper
    assert wrapper.cast_dtype == torch.bfloat16
    assert lr_of(wrapper, model.rate_head.fc_rate.weight) == pytest.approx(0.1)


def test_other_wrappers_are_built_unchanged() -> None:
    cfg = dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01),
        clip_grad=dict(max_norm=1.),
        constructor='AmpFallbackOptimWrapperConstructor')
    wrapper = build_optim_wrapper(TinyPRP(), cfg)
    assert type(wrapper) is OptimWrapper
    assert wrapper.clip_grad_kwargs == dict(max_norm=1.)
