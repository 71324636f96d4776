"""Tests of the demo's run configs: data, work dirs, seeds and budget."""
from pathlib import Path

import decord
import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader

from mmprp.datasets.preparation import read_mmaction_list
from mmprp.testing import GREY_BACKGROUND, GREY_OBJECT, SyntheticDataset
from demo import (DemoSettings, eval_config, make_dataset, pretrain_config,
                  prp_sampler, random_init_checkpoint)
from demo.runs import MONITOR_LISTS

PRETRAIN_LIST = 'ucf101_prp_train_split_1_videos.txt'


def tiny_settings(tmp_path: Path, **overrides) -> DemoSettings:
    """Demo settings for a dataset of a few seconds: 2 classes of 3 groups
    of one 130-frame clip, 2 monitor groups, unless ``overrides`` say
    otherwise."""
    return DemoSettings(
        **{
            'work_dir': tmp_path,
            'num_classes': 2,
            'groups_per_class': 3,
            'clips_per_group': 1,
            'num_frames': (130, 130),
            'monitor_groups': 2,
            **overrides
        })


def test_pretrain_config_points_at_the_demo_run(tmp_path: Path) -> None:
    settings = DemoSettings(work_dir=tmp_path, epochs=1)
    cfg = pretrain_config(settings, seed=5)
    assert cfg.work_dir == str(tmp_path / 'pretrain' / 'seed5')
    assert cfg.randomness == dict(seed=5)
    assert cfg.train_cfg.max_epochs == 1
    assert cfg.train_cfg.val_interval == 1
    data = tmp_path / 'data'
    for loader, name in (('train', PRETRAIN_LIST),
                         ('val', 'ucf101_val_split_1_videos.txt')):
        dataset = cfg[f'{loader}_dataloader'].dataset
        assert dataset.ann_file == str(data / name)
        assert dataset.data_prefix.video == str(data / 'videos')
    assert prp_sampler(cfg)['rates'] == (1, 2, 4, 8)
    (monitor, ) = [
        hook for hook in cfg.custom_hooks
        if hook['type'] == 'RetrievalMonitorHook'
    ]
    assert monitor['interval'] == 1
    assert monitor['split_train_ann_file'] == str(
        data / 'ucf101_train_split_1_videos.txt')
    assert (monitor['dataset']['ann_file'],
            monitor['dataset']['query_ann_file']) == tuple(
                str(data / name) for name in MONITOR_LISTS)
    # the evaluation's pipeline: the features the evaluation compares
    assert monitor['dataset']['pipeline'] == eval_config(
        settings, tmp_path / 'ckpt.pth',
        tmp_path / 'eval').test_dataloader.dataset.pipeline


def test_pretrain_config_keeps_the_config_budget(tmp_path: Path) -> None:
    cfg = pretrain_config(DemoSettings(work_dir=tmp_path), seed=0)
    assert cfg.train_cfg.max_epochs == 12
    assert cfg.train_cfg.val_interval == 2
    assert cfg.custom_hooks[-1]['interval'] == 2
    assert cfg.model.backbone.base_channels == 8


def test_eval_config_loads_the_checkpoint_on_split_1(tmp_path: Path) -> None:
    settings = DemoSettings(work_dir=tmp_path, eval_clips=2)
    checkpoint = tmp_path / 'ckpt.pth'
    cfg = eval_config(settings, checkpoint, tmp_path / 'eval')
    assert cfg.load_from == str(checkpoint)
    assert cfg.work_dir == str(tmp_path / 'eval')
    dataset = cfg.test_dataloader.dataset
    # the gallery and the probe's training set: the pretraining videos
    assert dataset.ann_file == str(tmp_path / 'data' / PRETRAIN_LIST)
    assert dataset.query_ann_file == str(tmp_path / 'data'
                                         / 'ucf101_val_split_1_videos.txt')
    (sample, ) = [
        step for step in dataset.pipeline if step['type'] == 'SampleFrames'
    ]
    assert sample['num_clips'] == 2
    assert [m['type'] for m in cfg.test_evaluator
            ] == ['VideoRetrievalMetric', 'LinearProbeMetric']


def demo_pipeline(tmp_path: Path, loader: str) -> list:
    """A data pipeline of the demo's configs: pretraining or evaluation."""
    settings = DemoSettings(work_dir=tmp_path)
    if loader == 'test':
        cfg = eval_config(settings, tmp_path / 'ckpt.pth', tmp_path / 'eval')
    else:
        cfg = pretrain_config(settings, seed=0)
    return cfg[f'{loader}_dataloader'].dataset.pipeline


@pytest.mark.parametrize('loader', ['train', 'val', 'test'])
def test_demo_pipelines_see_whole_frames_at_48(
        tmp_path: Path, synthetic_ucf101: SyntheticDataset,
        loader: str) -> None:
    # 96x128 videos: decoded at short side 48 (48x64), the 48 crop keeps
    # the full height, as on the demo's own 48x60 videos; the evaluation
    # ('test') sees the frames as pretraining does
    steps = demo_pipeline(tmp_path, loader)
    crop = [step['type'] for step in steps].index('CenterCrop')
    decode = Compose([TRANSFORMS.build(step) for step in steps[:crop]])
    video = next(iter(synthetic_ucf101.frame_counts))
    results = decode(
        dict(
            filename=str(synthetic_ucf101.video_dir / video),
            start_index=0,
            modality='RGB'))
    assert results['img_shape'] == (48, 64)
    assert results['imgs'][0].shape == (48, 64, 3)
    cropped = TRANSFORMS.build(steps[crop])(results)
    assert cropped['img_shape'] == (48, 48)


def test_make_dataset_holds_out_monitor_groups(tmp_path: Path) -> None:
    settings = tiny_settings(tmp_path, clips_per_group=2, monitor_groups=4)
    dataset = make_dataset(settings)
    lists = {
        name: read_mmaction_list(settings.data_dir / name)
        for name in ('ucf101_train_split_1_videos.txt',
                     'ucf101_val_split_1_videos.txt', PRETRAIN_LIST,
                     *MONITOR_LISTS)
    }
    train, test, pretrain, gallery, queries = lists.values()

    def groups(entries: list) -> set:
        return {dataset.groups[video] for video, _ in entries}

    # test fold and pretraining groups as without the monitor: groups 1, 2-3
    assert (groups(test), groups(pretrain)) == ({1}, {2, 3})
    assert (groups(gallery), groups(queries)) == ({4, 5}, {6, 7})
    assert len(gallery) == len(queries) == 2 * 2 * 2
    # every monitored video is on the train list, in its order
    assert [e for e in train if e in gallery] == gallery
    assert [e for e in train if e in queries] == queries
    assert pretrain == [e for e in train if e not in gallery + queries]


@pytest.mark.parametrize('monitor_groups', [0, 3])
def test_settings_refuse_a_monitor_without_gallery_and_queries(
        monitor_groups: int) -> None:
    with pytest.raises(ValueError, match='monitor_groups must be even'):
        DemoSettings(monitor_groups=monitor_groups)


def test_make_dataset_draws_the_settings_appearance(tmp_path: Path) -> None:
    settings = tiny_settings(tmp_path, appearance='grey')
    dataset = make_dataset(settings)
    assert len(dataset.frame_counts) == 2 * (3 + 2)
    for video in dataset.frame_counts:
        frame = decord.VideoReader(str(dataset.video_dir / video))[0].asnumpy()
        assert frame.shape == (48, 60, 3)
        levels = np.abs(
            frame.astype(np.int16)[..., None]
            - np.array([GREY_BACKGROUND, GREY_OBJECT]))
        # every pixel is near one of the two levels, or on the object's edge
        assert (levels.min(axis=-1).max(axis=-1) <= 12).mean() > 0.9
        assert (levels[..., 1].max(axis=-1) <= 12).mean() > 0.02


class StartingWeights(Hook):
    """Keep the model's weights when training starts, then stop the run."""

    class Stop(Exception):
        """Raised once the weights are kept."""

    def before_train(self, runner) -> None:
        self.state = {
            key: value.clone()
            for key, value in runner.model.state_dict().items()
        }
        raise self.Stop


def test_random_init_is_where_pretraining_starts(tmp_path: Path) -> None:
    # the monitor's epoch 0 is the random init the demo evaluates
    settings = tiny_settings(tmp_path)
    make_dataset(settings)
    runner = Runner.from_cfg(pretrain_config(settings, seed=7))
    start = StartingWeights()
    runner.register_hook(start, priority='HIGHEST')
    with pytest.raises(StartingWeights.Stop):
        runner.train()
    saved = CheckpointLoader.load_checkpoint(
        str(random_init_checkpoint(settings, seed=7)), 'cpu')['state_dict']
    assert saved.keys() == start.state.keys()
    for key, value in saved.items():
        assert torch.equal(value, start.state[key]), key
