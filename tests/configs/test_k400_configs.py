"""Kinetics-400 PRP configs: layout, LR scaling, train and val pipelines.

The paths are those of MMAction2's own K400 configs, the learning rate is
the paper's scaled linearly to the reference batch, and the pipelines run on
synthetic videos listed in K400's format (``class/video.mp4 label``).
"""
from pathlib import Path

import pytest
import torch
from mmaction.registry import DATASETS
from mmengine import Config
from mmengine.dataset import BaseDataset
from mmengine.hub import get_config

from mmprp.testing import SyntheticDataset
from helpers import REPO

ENCODERS = dict(c3d='C3DEncoder', r3d='ResNet3d', r21d='ResNet3d')
K400_CONFIGS = {
    encoder: REPO / 'configs' / 'prp' / f'prp_{encoder}_k400.py'
    for encoder in ENCODERS
}
MMACTION_K400 = ('mmaction::recognition/tsn/tsn_imagenet-pretrained-r50_'
                 '8xb32-1x1x3-100e_kinetics400-rgb.py')
LAYOUT_KEYS = ('data_root', 'data_root_val', 'ann_file_train', 'ann_file_val')
# distinct decoded frames of a 16-frame clip + r = 2 target + sparse attention
DISTINCT_FRAMES = {1: 16, 2: 32, 4: 40, 8: 56}


@pytest.fixture(scope='module')
def k400_list(synthetic_ucf101: SyntheticDataset,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every synthetic video listed as K400 lists them: ``class/v.mp4 label``.

    Args:
        synthetic_ucf101 (SyntheticDataset): The synthetic videos.
        tmp_path_factory (pytest.TempPathFactory): pytest's temporary folders.

    Returns:
        Path: The list file.
    """
    names = synthetic_ucf101.class_names
    lines = [
        f'{video} {names.index(Path(video).parent.name)}'
        for video in sorted(synthetic_ucf101.frame_counts)
    ]
    path = (
        tmp_path_factory.mktemp('kinetics400')
        / 'kinetics400_train_list_videos.txt')
    path.write_text('\n'.join(lines) + '\n')
    return path


def test_configs_use_mmaction_k400_layout_and_linear_lr_scaling() -> None:
    mmaction = get_config(MMACTION_K400)
    ucf101 = Config.fromfile(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py')
    ucf101_lr = ucf101.optim_wrapper.optimizer.lr
    for encoder, path in K400_CONFIGS.items():
        cfg = Config.fromfile(path)
        assert cfg.model.backbone.type == ENCODERS[encoder]
        assert {
            k: cfg[k]
            for k in LAYOUT_KEYS
        } == {
            k: mmaction[k]
            for k in LAYOUT_KEYS
        }
        for loader, root, ann_file in (('train', 'data_root',
                                        'ann_file_train'),
                                       ('val', 'data_root_val',
                                        'ann_file_val')):
            dataset = cfg[f'{loader}_dataloader'].dataset
            assert dataset.ann_file == cfg[ann_file]
            assert dataset.data_prefix.video == cfg[root]
        assert cfg.train_dataloader.batch_size == 16
        assert cfg.auto_scale_lr == dict(enable=False, base_batch_size=128)
        # the paper's lr per clip, scaled linearly to the reference batch
        assert cfg.optim_wrapper.optimizer.lr == pytest.approx(
            ucf101_lr * 128 / ucf101.auto_scale_lr.base_batch_size)
        warmup, cosine = cfg.param_scheduler
        assert (warmup.type, warmup.end) == ('LinearLR', cosine.begin)
        assert (cosine.type, cosine.end) == ('CosineAnnealingLR',
                                             cfg.train_cfg.max_epochs)


def build_dataset(cfg: Config, loader: str, ann_file: Path,
                  video_dir: Path) -> BaseDataset:
    """The config's dataset of ``loader`` on the K400-format list.

    Args:
        cfg (Config): A K400 config.
        loader (str): ``train`` or ``val``.
        ann_file (Path): The list.
        video_dir (Path): The videos the list is relative to.

    Returns:
        BaseDataset: The dataset.
    """
    return DATASETS.build(
        dict(
            cfg[f'{loader}_dataloader'].dataset,
            ann_file=str(ann_file),
            data_prefix=dict(video=str(video_dir))))


def check_packed(packed: dict, label: int, rates: tuple) -> int:
    """Assert the packed PRP outputs of one video.

    Args:
        packed (dict): ``inputs`` and ``data_samples`` of a dataset item.
        label (int): The K400 label the list gave the video.
        rates (tuple[int]): The sampler's playback rates.

    Returns:
        int: The sample's rate label.
    """
    inputs, sample = packed['inputs'], packed['data_samples']
    rate = int(sample.playback_rate)
    num_frames = DISTINCT_FRAMES[rate]
    assert inputs.dtype == torch.uint8
    assert inputs.shape == (1, 3, num_frames, 112, 112)
    assert int(sample.rate_label) == rates.index(rate)
    assert int(sample.gt_label) == label
    assert sample.clip_inds.shape == (16, )
    assert sample.target_inds.shape == (32, 2)
    assert sample.target_valid.shape == (32, )
    for key in ('clip_inds', 'target_inds', 'attention_inds'):
        assert 0 <= sample.get(key).min() <= sample.get(key).max() < num_frames
    return int(sample.rate_label)


@pytest.mark.parametrize('encoder', ENCODERS)
def test_train_and_val_pipelines_on_k400_lists(encoder: str, k400_list: Path,
                                               synthetic_ucf101) -> None:
    cfg = Config.fromfile(K400_CONFIGS[encoder])
    rates = tuple(cfg.prp.rates)
    labels = [
        int(line.split()[1]) for line in k400_list.read_text().splitlines()
    ]
    videos = synthetic_ucf101.video_dir
    train = build_dataset(cfg, 'train', k400_list, videos)
    val = build_dataset(cfg, 'val', k400_list, videos)
    assert len(train) == len(val) == len(labels)
    for index in (0, 5):
        check_packed(train[index], labels[index], rates)
        # validation: a fixed rate per video
        first = check_packed(val[index], labels[index], rates)
        assert check_packed(val[index], labels[index], rates) == first
