"""Every shipped training config guards its run with mmprp's hooks.

Training configs refuse an empty data loader and stop at a non-finite
loss; the classifier configs (finetuning) read their lists with
FinetuneVideoDataset and refuse labels beyond the classifier's classes.
"""
from pathlib import Path

import pytest

from helpers import REPO, SHIPPED_CONFIGS, shipped_config

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def name(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize('path', SHIPPED_CONFIGS, ids=name)
def test_training_configs_have_the_run_guards(path: Path) -> None:
    cfg = shipped_config(path)
    if 'train_cfg' not in cfg:
        return
    hooks = [hook['type'] for hook in cfg.get('custom_hooks', [])]
    assert {'NonEmptyDataloaderHook', 'NonFiniteLossHook'} <= set(hooks)
    if 'cls_head' in cfg.get('model', {}):
        assert 'LabelRangeHook' in hooks
        for loader in LOADERS:
            assert cfg[loader]['dataset']['type'] == 'FinetuneVideoDataset', (
                loader)


@pytest.mark.parametrize('config', [
    'configs/finetune/finetune_r21d_hmdb51_split3.py',
    'configs/finetune/finetune-stock_c3d_ucf101_split1.py',
    'configs/finetune/finetune-stock_x3d-s_hmdb51_split2.py'
])
def test_the_walk_reaches_classifier_training_configs(config: str) -> None:
    assert REPO / config in SHIPPED_CONFIGS
    cfg = shipped_config(REPO / config)
    assert 'train_cfg' in cfg and 'cls_head' in cfg['model']
