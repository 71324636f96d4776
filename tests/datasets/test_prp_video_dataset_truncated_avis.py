"""Truncated AVIs through the shipped PRP pipeline, in data-loader workers.

MMAction2's DecordInit crashes the worker on these files (a segmentation
fault); the shipped pipeline opens them by path with OpenCV and refuses
them, so the dataset's bad-video policy applies: 'raise' names the file,
'skip' trains on the other videos. A cut the container does not show is
refused by the decoder when a sample needs a frame the file lacks.
"""
from pathlib import Path
from typing import Dict, List

import pytest
from mmengine import Config
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from mmprp.datasets import BadVideoError, PRPVideoDataset
from helpers import REPO, cut_copy

CUTS = [
    f'{codec}_cut{cut:03d}' for codec in ('mjpg', 'xvid')
    for cut in (30, 500, 900, 995)
]


def shipped_dataset(tmp_path: Path,
                    videos: List[Path],
                    bad_videos: str,
                    test_mode: bool = False) -> PRPVideoDataset:
    """A PRPVideoDataset of the videos with the UCF101 config's training
    pipeline (its validation pipeline in ``test_mode``)."""
    cfg = Config.fromfile(REPO / 'configs' / '_base_' / 'datasets'
                          / 'prp_ucf101.py')
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text(''.join(f'{video.name} 0\n' for video in videos))
    return PRPVideoDataset(
        ann_file=str(ann_file),
        pipeline=cfg.val_pipeline if test_mode else cfg.train_pipeline,
        data_prefix=dict(video=str(videos[0].parent)),
        bad_videos=bad_videos,
        test_mode=test_mode)


def loader(dataset: PRPVideoDataset) -> DataLoader:
    """Loads in a worker process as in training (a crash there fails the
    test instead of ending pytest)."""
    return DataLoader(
        dataset, batch_size=1, num_workers=1, collate_fn=pseudo_collate)


def test_raise_names_each_truncated_file(
        tmp_path: Path, truncated_avis: Dict[str, Path]) -> None:
    paths = [truncated_avis[name] for name in CUTS]
    batches = iter(loader(shipped_dataset(tmp_path, paths, 'raise')))
    for path in paths:
        with pytest.raises(BadVideoError) as error:
            next(batches)
        assert (f'{path} cannot be used: TruncatedVideoError: {path} is '
                f'truncated: it ends at byte {path.stat().st_size}') in str(
                    error.value)
        assert "bad_videos='skip'" in str(error.value)


@pytest.mark.slow
def test_skip_trains_on_the_complete_videos(
        tmp_path: Path, truncated_avis: Dict[str, Path]) -> None:
    videos = [truncated_avis[name] for name in ['mjpg', *CUTS, 'xvid']]
    dataset = shipped_dataset(tmp_path, videos, 'skip')
    batches = list(loader(dataset))
    assert len(batches) == len(videos)
    for batch in batches:
        assert batch['inputs'][0].shape[-2:] == (112, 112)
    assert dataset.skipped_videos == len(CUTS)
    assert dataset._skipped.tolist() == [False] + [True] * len(CUTS) + [False]


def test_a_cut_the_container_does_not_show_names_the_file(
        tmp_path: Path, coded_videos: Dict[str, Path]) -> None:
    """An AVI whose RIFF size is unset, cut after 10 % of its frames: its
    header still declares every frame, and the centred validation window
    (any rate) needs frames past the cut."""
    path = cut_copy(coded_videos['mpeg4_b_avi'], tmp_path / 'cut.avi', 0.1,
                    True)
    dataset = shipped_dataset(tmp_path, [path], 'raise', test_mode=True)
    with pytest.raises(BadVideoError) as error:
        next(iter(loader(dataset)))
    assert (f'{path} cannot be used: UnreadableVideoError: OpenCV cannot '
            f'decode frame ') in str(error.value)
    assert f'of {path} (its header declares 260 frames)' in str(error.value)
