"""RetrievalMonitorHook: retrieval top-k of held-out training videos."""
import math
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List

import numpy as np
import pytest
import torch
from mmaction.datasets import VideoDataset
from mmengine import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mmprp.engine import RetrievalMonitorHook
from mmprp.engine.hooks.retrieval_monitor_hook import preserved_rng
from mmprp.testing import SyntheticDataset
from helpers import REPO, read_scalars, small_frames

RETRIEVAL_BASE = REPO / 'configs' / '_base_' / 'retrieval' / 'ucf101.py'


class ToyEncoderModel(BaseModel):
    """A 1x1x1 convolution as ``backbone``; loss: its squared weights."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Conv3d(3, 4, 1)

    def forward(self, *args, mode: str = 'tensor', **kwargs):
        return dict(loss=self.backbone.weight.pow(2).sum())


def write_lists(dataset: SyntheticDataset, out: Path) -> Dict[str, Path]:
    """Lists of the split-1 videos (train groups 2-3, test group 1).

    Returns:
        dict[str, Path]: ``gallery`` (group 2), ``query`` (group 3 of
        classes 0-1), ``pretrain`` (group 3 of classes 2-3), ``train`` (the
        split's train list) and ``test`` (its test list).
    """
    train_list, test_list = dataset.ann_files[1]
    lines = train_list.read_text().splitlines()

    def keep(name: str, wanted: List[str]) -> Path:
        path = out / f'{name}.txt'
        path.write_text('\n'.join(
            line for line in lines if any(w in line for w in wanted)) + '\n')
        return path

    classes = dataset.class_names
    return dict(
        gallery=keep('gallery', ['_g02_']),
        query=keep('query', [f'v_{c}_g03' for c in classes[:2]]),
        pretrain=keep('pretrain', [f'v_{c}_g03' for c in classes[2:]]),
        train=train_list,
        test=test_list)


def monitor_hook(dataset: SyntheticDataset, gallery: Path, query: Path,
                 train: Path, **kwargs) -> RetrievalMonitorHook:
    """The hook on the retrieval configs' pipeline, at 4x32x32."""
    pipeline = small_frames(
        Config.fromfile(RETRIEVAL_BASE).test_pipeline, (-1, 32), 32)
    for step in pipeline:
        if step['type'] == 'SampleFrames':
            step.update(clip_len=4, num_clips=1)
    return RetrievalMonitorHook(
        dict(
            type='RetrievalVideoDataset',
            ann_file=str(gallery),
            query_ann_file=str(query),
            data_prefix=dict(video=str(dataset.video_dir)),
            pipeline=pipeline),
        split_train_ann_file=str(train),
        **kwargs)


def toy_runner(tmp_path: Path, dataset: SyntheticDataset, pretrain: Path,
               hook: RetrievalMonitorHook, max_epochs: int) -> Runner:
    """A runner training :class:`ToyEncoderModel` on the ``pretrain``
    list's entries."""
    return Runner(
        model=ToyEncoderModel(),
        work_dir=str(tmp_path / 'run'),
        experiment_name=f'monitor_{tmp_path.name}',
        train_dataloader=dict(
            dataset=dict(
                type='VideoDataset',
                ann_file=str(pretrain),
                data_prefix=dict(video=str(dataset.video_dir)),
                pipeline=[],
                serialize_data=False),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[hook],
        default_hooks=dict(checkpoint=None),
        default_scope='mmaction',
        log_level='ERROR')


def test_logs_top_k_at_the_start_every_interval_and_the_end(
        tmp_path: Path, synthetic_ucf101: SyntheticDataset) -> None:
    lists = write_lists(synthetic_ucf101, tmp_path)
    hook = monitor_hook(
        synthetic_ucf101,
        lists['gallery'],
        lists['query'],
        lists['train'],
        interval=2,
        topk=(1, 3, 4))
    runner = toy_runner(tmp_path, synthetic_ucf101, lists['pretrain'], hook, 3)
    runner.train()
    records = [
        record for record in read_scalars(tmp_path / 'run')
        if 'monitor/retrieval/top1' in record
    ]
    assert [record['step'] for record in records] == [0, 2, 3]
    for record in records:
        assert 0 <= record['monitor/retrieval/top1'] <= record[
            'monitor/retrieval/top3'] <= 1
        # 4 gallery videos: top-4 holds them all and measures nothing
        assert math.isnan(record['monitor/retrieval/top4'])
    history = runner.message_hub.get_scalar('monitor/retrieval/top1')
    assert list(history.data[0]) == [
        record['monitor/retrieval/top1'] for record in records
    ]
    # the last evaluation ran after the last epoch: it put the encoder
    # back in train mode
    assert runner.model.backbone.training


@pytest.mark.parametrize(
    'gallery, query, message',
    [('gallery', 'test', r"4 videos of .* are not on the split's train list"),
     ('pretrain', 'query', r'2 videos of .* are in the training dataset'),
     ('query', 'query', r'2 videos are both in ')])
def test_refuses_videos_that_are_not_held_out_training_videos(
        tmp_path: Path, synthetic_ucf101: SyntheticDataset, gallery: str,
        query: str, message: str) -> None:
    lists = write_lists(synthetic_ucf101, tmp_path)
    hook = monitor_hook(synthetic_ucf101, lists[gallery], lists[query],
                        lists['train'])
    trained = VideoDataset(
        str(lists['pretrain']),
        pipeline=[],
        data_prefix=dict(video=str(synthetic_ucf101.video_dir)),
        serialize_data=False)
    # refused before anything is evaluated (before_train reads only these)
    runner = SimpleNamespace(
        train_dataloader=SimpleNamespace(dataset=trained), epoch=0)
    with pytest.raises(ValueError, match=message):
        hook.before_train(runner)


def test_preserved_rng_restores_every_stream() -> None:
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    with preserved_rng(torch.device('cpu')):
        torch.rand(3)
        np.random.rand(3)
        random.random()
    drawn = torch.rand(1).item(), np.random.rand(), random.random()
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    assert drawn == (torch.rand(1).item(), np.random.rand(), random.random())
