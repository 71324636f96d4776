"""FinetuneVideoDataset: MMAction2's lists, each entry's line, a named list."""
import pytest
from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine import Config

from mmprp.datasets import FinetuneVideoDataset
from helpers import REPO


def test_entries_equal_video_datasets_with_their_lines(tmp_path) -> None:
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('a.avi 3\nb/c.avi 0\nd.avi 1\n')
    kwargs = dict(
        ann_file=str(ann_file), pipeline=[], data_prefix=dict(video='v'))
    ours, stock = FinetuneVideoDataset(**kwargs), VideoDataset(**kwargs)
    assert len(ours) == len(stock) == 3
    for index in range(3):
        info = ours.get_data_info(index)
        assert info.pop('ann_line') == index + 1
        assert info == stock.get_data_info(index)
    subset = FinetuneVideoDataset(**kwargs, indices=[2])
    assert subset.get_data_info(0)['ann_line'] == 3


def test_a_missing_list_of_a_shipped_config_names_its_writer(
        tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(REPO / 'configs' / 'finetune'
                          / 'finetune_c3d_hmdb51_split2.py')
    with pytest.raises(
            FileNotFoundError,
            match=r"^the annotation list ann_file "
            r"'data/hmdb51/hmdb51_prp_train_split_2_videos.txt' does not "
            r'exist; write it \(with the other lists of hmdb51\) with: '
            r'python tools/data/prepare_annotations.py hmdb51 --split-dir '
            r'data/hmdb51/testTrainMulti_7030_splits --video-dir '
            r'data/hmdb51/videos --out-dir data/hmdb51 '):
        DATASETS.build(cfg.train_dataloader.dataset)
