"""A PRP training step under CPU bfloat16 autocast stays finite.

The PRP model of ``configs/prp/prp_c3d_ucf101.py`` at 1/8 width, a batch of
synthetic videos through the config's own training pipeline (frames resized
to 64, centre crop 56), and ``model.loss`` under
``torch.autocast('cpu', dtype=torch.bfloat16)``: the mixed-precision path of
``configs/prp/prp_c3d_ucf101_amp.py`` (which autocasts to bfloat16 on a GPU).

The step runs on PyTorch's native CPU kernels (oneDNN off): torch 2.13's
oneDNN bfloat16 Conv3d returns garbage weight gradients (1e35, NaN) in about
a third of calls, even single-threaded and for identical inputs
(docs/upstream_defects.md, item 7). mmprp never autocasts on a CPU (the
AMP configs fall back to float32 there), so this test checks mmprp's
numerics under bfloat16, not that vendor kernel.
"""
from typing import Dict, List, Tuple

import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine import Config
from mmengine.dataset import pseudo_collate
from torch import nn

from mmprp.datasets import SeededIndex
from mmprp.testing import SyntheticDataset
from helpers import REPO, small_frames

WIDTH = 8


def narrow_model(cfg: Config) -> nn.Module:
    """The config's PRP model with a C3D of base width 8, seeded.

    Args:
        cfg (Config): The PRP config.

    Returns:
        nn.Module: The model in training mode.
    """
    cfg.model.backbone.base_channels = WIDTH
    cfg.model.rate_head.in_channels = 8 * WIDTH
    cfg.model.decoder.in_channels = 8 * WIDTH
    cfg.model.decoder.channels = (32, 16, 16, 8)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.train()


def synthetic_batch(cfg: Config, dataset: SyntheticDataset) -> Dict:
    """Four videos through the config's training pipeline, preprocessed.

    Args:
        cfg (Config): The PRP config.
        dataset (SyntheticDataset): The synthetic UCF101.

    Returns:
        dict: ``inputs`` and ``data_samples`` before the data preprocessor.
    """
    pipeline = small_frames(cfg.train_pipeline, (-1, 64), 56)
    videos = DATASETS.build(
        dict(
            cfg.train_dataloader.dataset,
            ann_file=str(dataset.ann_files[1][0]),
            data_prefix=dict(video=str(dataset.video_dir)),
            pipeline=pipeline))
    return pseudo_collate(
        [videos[SeededIndex(index, seed=0, epoch=0)] for index in range(4)])


def bf16_step(
        model: nn.Module,
        batch: Dict) -> Tuple[Dict[str, torch.Tensor], List[torch.dtype]]:
    """Losses under bfloat16 autocast, then backward of their sum.

    Args:
        model (nn.Module): The PRP model.
        batch (dict): A collated batch.

    Returns:
        tuple[dict, list]: The losses and the dtype of the encoder map.
    """
    data = model.data_preprocessor(batch, training=True)
    map_dtypes = []
    handle = model.backbone.register_forward_hook(
        lambda module, inputs, output: map_dtypes.append(output.dtype))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(data['inputs'], data['data_samples'])
    handle.remove()
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    return losses, map_dtypes


def test_bf16_autocast_step_gives_finite_losses_and_gradients(
        synthetic_ucf101, monkeypatch: pytest.MonkeyPatch) -> None:
    # PyTorch's native CPU kernels: see the module docstring
    monkeypatch.setattr(torch.backends.mkldnn, 'enabled', False)
    cfg = Config.fromfile(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py')
    model = narrow_model(cfg)
    losses, map_dtypes = bf16_step(model,
                                   synthetic_batch(cfg, synthetic_ucf101))
    assert map_dtypes == [torch.bfloat16]
    assert set(losses) == {'loss_rate', 'rate_acc', 'loss_recon'}
    for name, value in losses.items():
        assert torch.isfinite(value).all(), (name, value)
    # every parameter is used (no DDP find_unused_parameters needed) and
    # gets a finite float32 gradient
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert param.grad.dtype == torch.float32, name
        assert torch.isfinite(param.grad).all(), name
