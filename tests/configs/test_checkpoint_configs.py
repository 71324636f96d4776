"""Every shipped config that trains saves kill-safe checkpoints, two or more,
that load without mmprp.

mmengine's CheckpointHook deletes the old checkpoint before writing the new
one; the configs use SafeCheckpointHook and keep at least two checkpoints
(``max_keep_ckpts`` unlimited, i.e. <= 0, or >= 2). PlainCheckpointHook
saves them as plain data (torch's weights-only unpickler reads them).
"""
from pathlib import Path

import pytest

from helpers import REPO, SHIPPED_CONFIGS, shipped_config


def name(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize('path', SHIPPED_CONFIGS, ids=name)
def test_checkpoints_are_kill_safe_and_at_least_two(path: Path) -> None:
    cfg = shipped_config(path)
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if 'train_cfg' in cfg:
        assert checkpoint is not None, f'{name(path)} trains without one'
        plain = cfg['default_hooks'].get('plain_checkpoint', {})
        assert plain.get('type') == 'PlainCheckpointHook', name(path)
    if checkpoint is not None:
        assert checkpoint['type'] == 'SafeCheckpointHook', name(path)
        kept = checkpoint.get('max_keep_ckpts', -1)
        assert kept <= 0 or kept >= 2, (name(path), kept)
    hook_types = [hook['type'] for hook in cfg.get('custom_hooks', [])]
    assert not any('CheckpointHook' in kind for kind in hook_types)


def test_the_walk_covers_the_training_configs() -> None:
    trained = {
        name(path)
        for path in SHIPPED_CONFIGS if 'train_cfg' in shipped_config(path)
    }
    assert {
        'configs/prp/prp_c3d_ucf101.py', 'configs/prp/prp_r3d_k400.py',
        'demo/configs/prp_c3d_demo.py',
        'configs/finetune/finetune-stock_c3d_ucf101_split1.py',
        'configs/finetune/finetune-stock_c3d-gap_hmdb51_split3.py',
        'configs/finetune/finetune-stock_r21d_ucf101_split2.py'
    } <= trained
