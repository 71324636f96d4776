"""MMAction2's own tools/train.py and tools/test.py run in this environment.

A stock C3D recognizer config (inherited via ``mmaction::``) trains one
iteration on synthetic videos and saves a checkpoint; MMAction2's test.py
then loads it back through ``load_from``: this proves the drn repair and the
weights-only checkpoint loading repair.
"""
import textwrap

import torch
from mmengine.runner.checkpoint import CheckpointLoader

from mmprp.utils import mmaction_tool_path
from helpers import assert_finite, data_options, read_scalars, run_command

STOCK_C3D = ('mmaction::recognition/c3d/'
             'c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py')


def write_config(path, dataset) -> None:
    path.write_text(
        textwrap.dedent(f"""\
        _base_ = '{STOCK_C3D}'
        custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)
        model = dict(backbone=dict(pretrained=None),
                     cls_head=dict(num_classes={len(dataset.class_names)}))
        train_cfg = dict(max_epochs=1, val_interval=10)
        default_hooks = dict(logger=dict(interval=1))
        test_pipeline = _base_.test_pipeline
        test_pipeline[1]['num_clips'] = 2
        test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
        """))


def test_stock_train_then_load_from(tmp_path, synthetic_ucf101,
                                    python) -> None:
    config = tmp_path / 'stock_c3d.py'
    write_config(config, synthetic_ucf101)
    work_dir = tmp_path / 'work'
    options = data_options(
        synthetic_ucf101,
        loaders=('train', 'val', 'test'),
        num_videos=dict(train=1, val=1, test=1),
        batch_size=1)
    run_command([
        python,
        mmaction_tool_path('train.py'), config, '--work-dir', work_dir,
        '--cfg-options', *options
    ],
                cwd=tmp_path)
    checkpoint = work_dir / 'epoch_1.pth'
    assert checkpoint.is_file()
    assert_finite(read_scalars(work_dir), ['loss_cls'])

    result = run_command([
        python,
        mmaction_tool_path('test.py'), config, checkpoint, '--work-dir',
        tmp_path / 'test', '--cfg-options', *options
    ],
                         cwd=tmp_path)
    output = result.stdout + result.stderr
    assert f'Load checkpoint from {checkpoint}' in output
    assert 'acc/top1' in output
    saved = CheckpointLoader.load_checkpoint(str(checkpoint), 'cpu')
    assert torch.isfinite(saved['state_dict']['backbone.fc6.weight']).all()
