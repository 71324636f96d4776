"""MMAction2's own tools/train.py and tools/test.py run in this environment.

A stock C3D recognizer config (inherited via ``mmaction::``) trains one
iteration on synthetic videos and saves a checkpoint; MMAction2's test.py
then loads it back through ``load_from``: this proves the drn repair and the
weights-only checkpoint loading repair.

And MMAction2 without mmprp finetunes from PRP: a shipped PRP config (R3D-18
at 1/8 width, small frames) pretrains one epoch; its checkpoints load with
plain ``torch.load(weights_only=True)`` in a process where mmprp cannot be
imported, and so does MMAction2's train.py there: the stock C3D recipe for
UCF101 with its backbone swapped for MMAction2's ResNet3d at PRP's R3D-18
settings, ``load_from`` the PRP checkpoint, one iteration at learning rate
0, ends with the PRP encoder's weights.
"""
import textwrap

import pytest
import torch
from mmengine import Config
from mmengine.runner.checkpoint import CheckpointLoader

from mmprp.utils import mmaction_tool_path
from helpers import (NARROW_RESNET, REPO, assert_finite,
                     assert_load_weights_only, data_options, read_scalars,
                     run_command, run_without_mmprp, small_frames)

pytestmark = pytest.mark.slow

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


def write_small_prp_config(path) -> None:
    """configs/prp/prp_r3d_ucf101.py decoding frames at 48 (short side),
    cropped to 48."""
    cfg = Config.fromfile(REPO / 'configs' / 'prp' / 'prp_r3d_ucf101.py')
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset = cfg[loader].dataset
        dataset.pipeline = small_frames(dataset.pipeline, (-1, 48), 48)
    cfg.dump(path)


@pytest.fixture(scope='module')
def prp_run(tmp_path_factory, synthetic_ucf101, python):
    """The work dir of one PRP epoch (2 videos) with a shipped config."""
    root = tmp_path_factory.mktemp('prp_r3d')
    config = root / 'prp_r3d_small.py'
    write_small_prp_config(config)
    work_dir = root / 'work'
    options = data_options(
        synthetic_ucf101, num_videos=dict(train=2, val=1)) + [
            'train_cfg.max_epochs=1', 'default_hooks.checkpoint.interval=1'
        ] + NARROW_RESNET
    run_command([
        python, REPO / 'tools' / 'train.py', config, '--work-dir', work_dir,
        '--cfg-options', *options
    ],
                cwd=root)
    return work_dir


def test_prp_checkpoints_load_weights_only_without_mmprp(prp_run) -> None:
    checkpoints = sorted(prp_run.glob('*.pth'))
    assert [path.name for path in checkpoints
            ] == ['best_pretext_loss_epoch_1.pth', 'epoch_1.pth']
    assert_load_weights_only(checkpoints, prp_run)


def write_stock_r3d_config(path) -> None:
    """The stock C3D UCF101 recipe, MMAction2's ResNet3d (PRP's R3D-18
    settings, 1/8 width) as its backbone, learning rate 0; no mmprp."""
    encoder = REPO / 'configs' / '_base_' / 'models' / 'encoders' / 'r3d18.py'
    path.write_text(
        textwrap.dedent(f"""\
        _base_ = ['{STOCK_C3D}', '{encoder}']
        model = dict(
            backbone=dict(_base_.encoder, _delete_=True, base_channels=8),
            cls_head=dict(in_channels=64, num_classes=4, spatial_type='avg'))
        train_cfg = dict(max_epochs=1, val_interval=10)
        optim_wrapper = dict(optimizer=dict(lr=0.))
        default_hooks = dict(
            logger=dict(interval=1), checkpoint=dict(save_optimizer=False))
        """))


def test_stock_train_without_mmprp_loads_a_prp_checkpoint(
        tmp_path, synthetic_ucf101, prp_run) -> None:
    prp_checkpoint = prp_run / 'epoch_1.pth'
    config = tmp_path / 'stock_r3d.py'
    write_stock_r3d_config(config)
    work_dir = tmp_path / 'work'
    options = data_options(
        synthetic_ucf101,
        loaders=('train', 'val'),
        num_videos=dict(train=1, val=1),
        batch_size=1)
    result = run_without_mmprp([
        mmaction_tool_path('train.py'), config, '--work-dir', work_dir,
        '--cfg-options', f'load_from={prp_checkpoint}', *options
    ], tmp_path)
    assert f'Load checkpoint from {prp_checkpoint}' in result.stdout
    assert_finite(read_scalars(work_dir), ['loss_cls'])

    prp = CheckpointLoader.load_checkpoint(str(prp_checkpoint),
                                           'cpu')['state_dict']
    stock = CheckpointLoader.load_checkpoint(
        str(work_dir / 'epoch_1.pth'), 'cpu')['state_dict']
    backbone = [key for key in stock if key.startswith('backbone.')]
    assert backbone == [key for key in prp if key.startswith('backbone.')]
    # at learning rate 0 only BN's running statistics move
    learned = [
        key for key in backbone
        if not key.endswith(('running_mean', 'running_var',
                             'num_batches_tracked'))
    ]
    assert len(learned) == 36  # 12 convs (stage_blocks 1,1,1,1), a BN each
    for key in learned:
        assert torch.equal(stock[key], prp[key]), key
