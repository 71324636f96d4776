"""The SyncBN, AMP and channels-last variants of the C3D UCF101 config.

The AMP + channels-last config trains two iterations: on a CPU the optimizer
wrapper falls back to float32, on a GPU it is mmengine's AmpOptimWrapper;
the weights are channels-last on both. SyncBN's training step needs a GPU
(``tests/tools/test_dist_train.py`` checks the SyncBN conversion under the
launcher).
"""
from pathlib import Path

import torch
from mmengine import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.runner import Runner

from mmprp.engine.optimizers import amp_device_available
from mmprp.testing import SyntheticDataset
from helpers import REPO, small_frames

PRP = REPO / 'configs' / 'prp'
WIDTH = 8


def without(cfg: Config, *keys: str) -> dict:
    """The config as a dict without ``keys``."""
    return {k: v for k, v in cfg.to_dict().items() if k not in keys}


def test_variants_change_only_their_own_keys() -> None:
    base = Config.fromfile(PRP / 'prp_c3d_ucf101.py')
    syncbn = Config.fromfile(PRP / 'prp_c3d_ucf101_syncbn.py')
    amp = Config.fromfile(PRP / 'prp_c3d_ucf101_amp.py')
    assert syncbn.sync_bn == 'torch'
    assert without(syncbn, 'sync_bn') == without(base)
    assert amp.optim_wrapper == dict(
        base.optim_wrapper,
        type='AmpOptimWrapper',
        dtype='bfloat16',
        loss_scale='dynamic',
        constructor='AmpFallbackOptimWrapperConstructor')
    assert without(amp, 'optim_wrapper') == without(base, 'optim_wrapper')
    assert dict(type='ChannelsLast3dHook') in base.custom_hooks


def small_run(cfg: Config, dataset: SyntheticDataset,
              work_dir: Path) -> Config:
    """Shrink ``cfg`` to a two-iteration run.

    Narrow model, 56x56 crops, 4 synthetic videos, one epoch, no
    validation; float16 on a GPU without bfloat16.

    Args:
        cfg (Config): A PRP config.
        dataset (SyntheticDataset): The synthetic UCF101.
        work_dir (Path): The work dir.

    Returns:
        Config: ``cfg``, changed in place.
    """
    cfg.model.backbone.base_channels = WIDTH
    cfg.model.rate_head.in_channels = 8 * WIDTH
    cfg.model.decoder.in_channels = 8 * WIDTH
    cfg.model.decoder.channels = (32, 16, 16, 8)
    cfg.train_dataloader.update(
        batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(
        ann_file=str(dataset.ann_files[1][0]),
        data_prefix=dict(video=str(dataset.video_dir)),
        indices=4,
        pipeline=small_frames(cfg.train_pipeline, (-1, 64), 56))
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=-1, save_last=False)
    cfg.work_dir = str(work_dir)
    if torch.cuda.is_available() and not torch.cuda.is_bf16_supported():
        cfg.optim_wrapper.dtype = 'float16'
    return cfg


def test_amp_config_trains_channels_last(tmp_path, synthetic_ucf101) -> None:
    cfg = Config.fromfile(PRP / 'prp_c3d_ucf101_amp.py')
    runner = Runner.from_cfg(small_run(cfg, synthetic_ucf101, tmp_path))
    runner.train()
    expected = AmpOptimWrapper if amp_device_available() else OptimWrapper
    assert type(runner.optim_wrapper) is expected
    conv = runner.model.backbone.conv1a.conv.weight
    assert conv.is_contiguous(memory_format=torch.channels_last_3d)
    assert runner.iter == 2
    for key in ('loss', 'loss_rate', 'loss_recon'):
        value = runner.message_hub.get_scalar(f'train/{key}').current()
        assert torch.isfinite(torch.tensor(value)), key
