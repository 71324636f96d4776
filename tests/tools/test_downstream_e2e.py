"""Downstream evaluation end to end on synthetic videos in UCF101's format.

data preparation (official split files -> MMAction2 and PRP lists) -> PRP
pretraining checkpoint (C3D at the real size, two iterations on the PRP
lists: the ``mim train`` run of ``conftest.py``, shared with the entry-point
test) -> the stock-derived finetuning config loads its encoder (and nothing
else) and finetunes one iteration -> tools/test.py with 10-clip testing
prints top-1 / top-5 -> the retrieval config prints top-k for k = 1, 5, 10,
20, 50.
"""
import math
import re

import pytest
import torch
from mmaction.registry import MODELS
from mmengine import Config
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from helpers import REPO, assert_finite, read_scalars, run_command

pytestmark = pytest.mark.slow

TOPK = (1, 5, 10, 20, 50)


@pytest.fixture(scope='module')
def prepared(tmp_path_factory, synthetic_ucf101, ucf101_lists,
             mim_prp_c3d_run):
    """Lists written by tools/data/ucf101 and a PRP checkpoint trained on
    its PRP lists (``conftest.py``)."""
    return dict(
        root=tmp_path_factory.mktemp('downstream'),
        lists=ucf101_lists,
        checkpoint=mim_prp_c3d_run / 'epoch_1.pth',
        video_dir=synthetic_ucf101.video_dir)


def data_options(prepared: dict,
                 loaders,
                 num_videos: int,
                 batch_size: int = 1) -> list:
    train = f"{prepared['lists']}/ucf101_train_split_1_videos.txt"
    val = f"{prepared['lists']}/ucf101_val_split_1_videos.txt"
    ann_files = dict(train=train, val=val, test=val)
    options = []
    for loader in loaders:
        prefix = f'{loader}_dataloader'
        options += [
            f'{prefix}.dataset.ann_file={ann_files[loader]}',
            f"{prefix}.dataset.data_prefix.video={prepared['video_dir']}",
            f'{prefix}.num_workers=0', f'{prefix}.persistent_workers=False',
            f'{prefix}.batch_size={batch_size}',
            f'{prefix}.dataset.indices={num_videos}'
        ]
    return options


def test_finetune_config_loads_the_encoder_and_nothing_else(prepared) -> None:
    cfg = Config.fromfile(REPO / 'configs' / 'finetune'
                          / 'finetune-stock_c3d_ucf101_split1.py')
    model = MODELS.build(cfg.model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    load_checkpoint(model, str(prepared['checkpoint']), strict=False)
    prp = CheckpointLoader.load_checkpoint(str(prepared['checkpoint']),
                                           'cpu')['state_dict']
    after = model.state_dict()
    encoder_keys = {k for k in prp if k.startswith('backbone.')}
    assert encoder_keys and encoder_keys <= set(after)
    for key in encoder_keys:
        assert torch.equal(after[key], prp[key]), key
    for key in set(after) - encoder_keys:
        assert key.startswith(('backbone.fc6', 'backbone.fc7', 'cls_head'))
        assert torch.equal(after[key], before[key]), key
    assert any(k.startswith('rate_head') for k in prp)
    assert not any(k.startswith(('rate_head', 'decoder')) for k in after)


def test_finetune_then_ten_clip_test(prepared, python) -> None:
    repo, root = REPO, prepared['root']
    config = (
        repo / 'configs' / 'finetune' / 'finetune-stock_c3d_ucf101_split1.py')
    work_dir = root / 'finetune'
    result = run_command([
        python, repo / 'tools' / 'train.py', config, '--work-dir', work_dir,
        '--cfg-options', f"load_from={prepared['checkpoint']}",
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        *data_options(prepared, ('train', 'val'), num_videos=1)
    ],
                         cwd=root)
    assert f"Load checkpoint from {prepared['checkpoint']}" in (
        result.stdout + result.stderr)
    assert_finite(read_scalars(work_dir), ['loss_cls'])

    result = run_command([
        python, repo / 'tools' / 'test.py', config, work_dir / 'epoch_1.pth',
        '--work-dir', root / 'finetune_test', '--cfg-options',
        *data_options(prepared, ('test', ), num_videos=1)
    ],
                         cwd=root)
    output = result.stdout + result.stderr
    assert re.search(r'acc/top1: [\d.]+\s+acc/top5: [\d.]+', output), output
    assert Config.fromfile(config).test_pipeline[1]['num_clips'] == 10


def test_retrieval_prints_topk(prepared, python) -> None:
    repo, root = REPO, prepared['root']
    lists = prepared['lists']
    features = root / 'features.npz'
    result = run_command([
        python, repo / 'tools' / 'test.py',
        repo / 'configs' / 'retrieval' / 'retrieval_c3d_ucf101_split1.py',
        prepared['checkpoint'], '--work-dir', root / 'retrieval',
        '--cfg-options', f'test_dataloader.dataset.ann_file={lists}/'
        'ucf101_train_split_1_videos.txt',
        f'test_dataloader.dataset.query_ann_file={lists}/'
        'ucf101_val_split_1_videos.txt',
        f"test_dataloader.dataset.data_prefix.video={prepared['video_dir']}",
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.dataset.pipeline.1.num_clips=2',
        f'test_evaluator.save_features={features}'
    ],
                         cwd=root)
    output = result.stdout + result.stderr
    # 8 gallery videos: top-10 and beyond hold the whole gallery
    for k in TOPK:
        value = float(re.search(rf'retrieval/top{k}: ([\d.]+|nan)', output)[1])
        assert (0 <= value <= 1) if k < 8 else math.isnan(value)
    assert 'reported as NaN: top10, top20, top50' in output
    assert 'retrieval/num_query: 4' in output
    assert 'retrieval/num_gallery: 8' in output
    assert features.is_file()
