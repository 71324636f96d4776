"""SeededSampler: each training sample depends only on (seed, epoch, index).

Real data loaders over real videos: the draws of every epoch are the same
with no worker, with persistent workers, and when a run starts again at a
later epoch (a resume), including the videos that replace too-short and
unusable ones.
"""
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.dataset import DefaultSampler
from torch.utils.data import DataLoader

from mmprp.datasets import PRPVideoDataset, SeededIndex, SeededSampler

# short: 20 frames (rate 1 only, so a re-fetch keeps the rate); zero_byte:
# unusable (skipped, replaced by another video)
VIDEOS = ['good', 'short', 'grayscale', 'static', 'zero_byte', 'odd_size']


@TRANSFORMS.register_module(name='DrawsForTest', force=True)
class Draws(BaseTransform):
    """Keeps only what the sampler drew (no decoding)."""

    def transform(self, results: dict) -> dict:
        return dict(
            video=Path(results['filename']).stem,
            rate_label=results['rate_label'],
            first_frame=int(results['frame_inds'][0]))


def build_dataset(tmp_path: Path, zoo: Dict[str, Path]) -> PRPVideoDataset:
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text(''.join(f'{zoo[name].name}\n' for name in VIDEOS))
    return PRPVideoDataset(
        ann_file=str(ann_file),
        pipeline=[
            dict(type='DecordInitByPath'),
            dict(type='PlaybackRateSampler'),
            dict(type='DrawsForTest')
        ],
        data_prefix=dict(video=str(zoo['good'].parent)),
        bad_videos='skip')


def epochs_drawn(dataset: PRPVideoDataset,
                 seed: int,
                 epochs: range,
                 num_workers: int = 0) -> List[List[dict]]:
    """What a loader yields in each of ``epochs`` (a fresh loader, as a
    resumed run builds one)."""
    sampler = SeededSampler(dataset, seed=seed)
    loader = DataLoader(
        dataset,
        batch_size=2,
        sampler=sampler,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        collate_fn=list)
    drawn = []
    for epoch in epochs:
        sampler.set_epoch(epoch)
        drawn.append([sample for batch in loader for sample in batch])
    return drawn


@pytest.fixture(scope='module')
def dataset(tmp_path_factory, video_zoo) -> PRPVideoDataset:
    return build_dataset(tmp_path_factory.mktemp('seeded'), video_zoo)


@pytest.fixture(scope='module')
def reference(dataset) -> List[List[dict]]:
    """Three epochs in the main process."""
    return epochs_drawn(dataset, seed=3, epochs=range(3))


def test_yields_the_default_order_with_seed_and_epoch(dataset) -> None:
    seeded, default = SeededSampler(
        dataset, seed=5), DefaultSampler(
            dataset, seed=5)
    for epoch in (0, 4):
        seeded.set_epoch(epoch)
        default.set_epoch(epoch)
        assert list(seeded) == [
            SeededIndex(index, 5, epoch) for index in default
        ]


def test_persistent_workers_draw_what_the_main_process_draws(
        dataset, reference) -> None:
    assert epochs_drawn(
        dataset, seed=3, epochs=range(3), num_workers=2) == reference


@pytest.mark.parametrize('num_workers', [0, 2])
def test_a_resumed_loader_draws_what_an_uninterrupted_one_does(
        dataset, reference, num_workers: int) -> None:
    assert epochs_drawn(
        dataset, seed=3, epochs=range(1, 3),
        num_workers=num_workers) == reference[1:]


def test_draws_include_replacements_and_vary(dataset, reference) -> None:
    sampler = SeededSampler(dataset, seed=3)
    replaced = 0
    for epoch, samples in enumerate(reference):
        sampler.set_epoch(epoch)
        for seeded, sample in zip(sampler, samples):
            replaced += sample['video'] != VIDEOS[seeded.index]
            assert sample['video'] != 'zero_byte'
            if sample['video'] == 'short':
                assert sample['rate_label'] == 0
    assert replaced >= len(reference)  # zero_byte in every epoch
    assert len({s['rate_label'] for samples in reference for s in samples}) > 1
    assert reference[0] != reference[1]  # a new epoch draws anew
    assert epochs_drawn(dataset, seed=4, epochs=range(1)) != reference[:1]


def test_without_a_seed_the_sampler_draws_one(dataset) -> None:
    seeds = {SeededSampler(dataset).seed for _ in range(3)}
    assert len(seeds) == 3


def test_refuses_datasets_that_take_integers(dataset) -> None:
    with pytest.raises(
            TypeError, match='only PRPVideoDataset takes; got '
            'list'):
        SeededSampler(list(range(4)))


def sample_at(dataset: PRPVideoDataset, idx, numpy_seed: int) -> dict:
    np.random.seed(numpy_seed)
    return dataset[idx]


@pytest.mark.parametrize('index', range(len(VIDEOS)))
def test_a_seeded_index_fixes_its_sample(dataset, index: int) -> None:
    seeded = SeededIndex(index, seed=11, epoch=2)
    first = sample_at(dataset, seeded, numpy_seed=0)
    assert sample_at(dataset, seeded, numpy_seed=1) == first
    # numpy's global generator is left alone
    assert np.random.randint(1 << 30) == np.random.RandomState(1).randint(
        1 << 30)


def test_test_mode_ignores_the_seed(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'val.txt'
    ann_file.write_text('good.mp4\n')
    dataset = PRPVideoDataset(
        ann_file=str(ann_file),
        pipeline=[
            dict(type='DecordInitByPath'),
            dict(type='PlaybackRateSampler', test_mode=True),
            dict(type='DrawsForTest')
        ],
        data_prefix=dict(video=str(video_zoo['good'].parent)),
        test_mode=True)
    assert dataset[SeededIndex(0, 1, 1)] == dataset[0]


def test_a_run_of_too_short_replacements_is_named(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'short.txt'
    ann_file.write_text('short.mp4\n')  # 20 frames: only rate 1 fits
    dataset = PRPVideoDataset(
        ann_file=str(ann_file),
        pipeline=build_dataset(tmp_path, video_zoo).pipeline.transforms,
        data_prefix=dict(video=str(video_zoo['good'].parent)),
        bad_videos='skip',
        max_refetch=3)
    dataset.rate_sampler.keep_rate(3)  # rate 8: every replacement too short
    with pytest.raises(
            RuntimeError,
            match=r'short.txt: 4 videos in a row '
            r'were unusable or too short.*scan_videos'):
        dataset[SeededIndex(0, seed=0, epoch=0)]


def test_a_list_of_only_unusable_videos_is_named(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'bad.txt'
    ann_file.write_text('zero_byte.mp4\ngarbage.mp4\n')
    dataset = PRPVideoDataset(
        ann_file=str(ann_file),
        pipeline=build_dataset(tmp_path, video_zoo).pipeline.transforms,
        data_prefix=dict(video=str(video_zoo['good'].parent)),
        bad_videos='skip',
        max_refetch=3)
    with pytest.raises(
            RuntimeError,
            match=r'every video of .*bad.txt is '
            r'unusable.*scan_videos'):
        dataset[SeededIndex(0, seed=0, epoch=0)]
