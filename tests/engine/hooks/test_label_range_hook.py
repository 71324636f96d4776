"""LabelRangeHook refuses labels the classifier does not have."""
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmaction.datasets import VideoDataset
from mmengine.runner.base_loop import BaseLoop
from torch.utils.data import DataLoader

from mmprp.datasets import FinetuneVideoDataset
from mmprp.engine import LabelRangeHook


class Loop(BaseLoop):
    """A built loop around a data loader."""

    def run(self) -> None:
        pass


def runner_with(dataset, num_classes=5, loop='_train_loop', **model):
    loader = DataLoader(dataset, batch_size=1, collate_fn=list)
    runner = SimpleNamespace(
        model=SimpleNamespace(
            cls_head=SimpleNamespace(num_classes=num_classes), **model),
        _train_loop=None,
        _val_loop=None,
        _test_loop=None)
    setattr(runner, loop, Loop(runner, loader))
    return runner


def write_list(tmp_path: Path, text: str) -> str:
    path = tmp_path / 'ucf101_prp_train_split_1_videos.txt'
    path.write_text(text)
    return str(path)


def test_names_the_list_the_line_and_the_classes(tmp_path) -> None:
    ann_file = write_list(tmp_path, 'a.avi 0\nb.avi 4\nc.avi 500\nd.avi\n')
    runner = runner_with(
        FinetuneVideoDataset(ann_file, pipeline=[]), loop='_val_loop')
    with pytest.raises(
            ValueError,
            match=r'^val_dataloader: .*ucf101_prp_train_split_1_videos.txt, '
            r'line 3: label 500, is out of range for '
            r'model.cls_head.num_classes=5 \(labels 0 to 4\) \(2 such '
            r'entries; the first 3: line 3: label 500; line 4: label -1\)'):
        LabelRangeHook().before_run(runner)


def test_other_datasets_name_the_entry_and_its_video(tmp_path) -> None:
    ann_file = write_list(tmp_path, 'a.avi 0\nb.avi 5\n')
    runner = runner_with(VideoDataset(ann_file, pipeline=[]))
    with pytest.raises(
            ValueError, match=r', entry 1 \(b.avi\): label 5, is out of'):
        LabelRangeHook().before_run(runner)


def test_labels_in_range_and_models_without_classifier_pass(tmp_path) -> None:
    dataset = FinetuneVideoDataset(
        write_list(tmp_path, 'a.avi 0\nb.avi 4\n'), pipeline=[])
    LabelRangeHook().before_run(runner_with(dataset))
    runner = runner_with(dataset, num_classes=2)
    runner.model = SimpleNamespace(backbone=None)
    LabelRangeHook().before_run(runner)
