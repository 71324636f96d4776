"""Tests of the synthetic UCF101-layout action-video generator."""
from pathlib import Path
from typing import Dict, Tuple

import decord
import numpy as np
import pytest
from mmaction.datasets import VideoDataset

import mmprp  # noqa: F401  (repairs mmaction before it is imported)
from mmprp.datasets.preparation import (read_class_index, read_mmaction_list,
                                        read_split_list)
from mmprp.testing import (APPEARANCES, GREY_BACKGROUND, GREY_OBJECT, MOTIONS,
                           SyntheticDataset, generate_synthetic_ucf101)

FIXTURE_ARGS = dict(
    groups_per_class=3,
    clips_per_group=1,
    num_frames=(130, 150),
    frame_size=(96, 128),
    progress=False)


def _video_bytes(dataset: SyntheticDataset) -> Dict[str, bytes]:
    """Read every video of a dataset.

    Args:
        dataset (SyntheticDataset): The dataset.

    Returns:
        dict[str, bytes]: Relative video path to file contents.
    """
    return {
        video: (dataset.video_dir / video).read_bytes()
        for video in dataset.frame_counts
    }


def _centroid_steps(path: Path,
                    num_frames: int = 120) -> Tuple[np.ndarray, np.ndarray]:
    """Frame-to-frame steps of the moving object's centroid.

    The background is the per-pixel temporal median; the object is where a
    frame differs from it.

    Args:
        path (Path): The video.
        num_frames (int): How many leading frames to track.

    Returns:
        tuple[np.ndarray, np.ndarray]: x and y steps in px/frame.
    """
    frames = decord.VideoReader(str(path)).get_batch(list(
        range(num_frames))).asnumpy().astype(np.int16)
    mask = np.abs(frames - np.median(frames, axis=0)).sum(axis=-1) > 60
    ys, xs = np.mgrid[:frames.shape[1], :frames.shape[2]]
    area = mask.sum(axis=(1, 2))
    assert area.min() > 50, f'object not found in {path}'
    cx = (mask * xs).sum(axis=(1, 2)) / area
    cy = (mask * ys).sum(axis=(1, 2)) / area
    return np.diff(cx), np.diff(cy)


def test_layout_and_class_index(synthetic_ucf101: SyntheticDataset) -> None:
    names = ['DriftRightSlow', 'DriftRightFast', 'DriftLeft', 'BounceVertical']
    assert synthetic_ucf101.class_names == names
    on_disk = sorted(
        path.relative_to(synthetic_ucf101.video_dir).as_posix()
        for path in synthetic_ucf101.video_dir.rglob('*.mp4'))
    assert on_disk == sorted(synthetic_ucf101.frame_counts)
    assert 'DriftLeft/v_DriftLeft_g03_c01.mp4' in on_disk
    assert len(on_disk) == 4 * 3
    class_index = read_class_index(synthetic_ucf101.split_dir / 'classInd.txt')
    assert class_index == {name: label for label, name in enumerate(names)}


def test_decord_reads_every_frame(synthetic_ucf101: SyntheticDataset) -> None:
    for video, count in synthetic_ucf101.frame_counts.items():
        reader = decord.VideoReader(str(synthetic_ucf101.video_dir / video))
        assert 130 <= count <= 150
        assert len(reader) == count, video
        assert reader.get_avg_fps() == pytest.approx(25)
        last = reader[count - 1].asnumpy()
        assert last.shape == (96, 128, 3) and last.dtype == np.uint8
    assert len(set(synthetic_ucf101.frame_counts.values())) > 1


@pytest.mark.parametrize('split', [1, 2, 3])
def test_split_k_tests_group_k(synthetic_ucf101: SyntheticDataset,
                               split: int) -> None:
    split_dir = synthetic_ucf101.split_dir
    class_index = read_class_index(split_dir / 'classInd.txt')
    train = read_split_list(split_dir / f'trainlist0{split}.txt', class_index)
    test = read_split_list(split_dir / f'testlist0{split}.txt', class_index)
    assert {video
            for video, _ in test} == {
                video
                for video in synthetic_ucf101.frame_counts
                if f'_g0{split}_' in video
            }
    assert len(test) == 4 and len(train) == 8
    assert {video
            for video, _ in train + test} == set(synthetic_ucf101.frame_counts)


@pytest.mark.parametrize('split', [1, 2, 3])
def test_mmaction_video_dataset_parses_lists(
        synthetic_ucf101: SyntheticDataset, split: int) -> None:
    train_file, val_file = synthetic_ucf101.ann_files[split]
    assert train_file.name == f'ucf101_train_split_{split}_videos.txt'
    assert val_file.name == f'ucf101_val_split_{split}_videos.txt'
    for ann_file, size in ((train_file, 8), (val_file, 4)):
        dataset = VideoDataset(
            ann_file=str(ann_file),
            pipeline=[],
            data_prefix=dict(video=str(synthetic_ucf101.video_dir)))
        assert len(dataset) == size
        for index in range(size):
            info = dataset.get_data_info(index)
            path = Path(info['filename'])
            assert path.is_file()
            assert info['label'] == synthetic_ucf101.class_names.index(
                path.parent.name)


def test_mmaction_pipeline_samples_every_8th_frame(
        synthetic_ucf101: SyntheticDataset) -> None:
    dataset = VideoDataset(
        ann_file=str(synthetic_ucf101.ann_files[1][1]),
        pipeline=[
            dict(type='mmaction.DecordInit'),
            dict(
                type='mmaction.SampleFrames',
                clip_len=8,
                frame_interval=8,
                num_clips=1,
                test_mode=True),
            dict(type='mmaction.DecordDecode'),
        ],
        data_prefix=dict(video=str(synthetic_ucf101.video_dir)),
        test_mode=True)
    imgs = dataset[0]['imgs']
    assert len(imgs) == 8
    assert all(img.shape == (96, 128, 3) for img in imgs)
    assert all(np.any(a != b) for a, b in zip(imgs, imgs[1:]))


def test_same_seed_same_bytes_other_seed_differs(
        synthetic_ucf101: SyntheticDataset, tmp_path: Path) -> None:
    fixture_bytes = _video_bytes(synthetic_ucf101)
    again = generate_synthetic_ucf101(
        tmp_path / 'again', num_classes=2, seed=0, **FIXTURE_ARGS)
    other = generate_synthetic_ucf101(
        tmp_path / 'other', num_classes=2, seed=1, **FIXTURE_ARGS)
    again_bytes = _video_bytes(again)
    assert again_bytes == {
        video: fixture_bytes[video]
        for video in again_bytes
    }
    other_bytes = _video_bytes(other)
    assert other_bytes.keys() == again_bytes.keys()
    assert all(other_bytes[video] != again_bytes[video]
               for video in other_bytes)
    assert ((again.split_dir / 'trainlist01.txt').read_text() == (
        other.split_dir / 'trainlist01.txt').read_text())


@pytest.mark.parametrize('override, message', [
    (dict(frame_size=(96, 127)), 'must be even'),
    (dict(frame_size=(95, 128)), 'must be even'),
    (dict(frame_size=(16, 128)), 'at least 32'),
    (dict(num_classes=len(MOTIONS) + 1), f'in \\[1, {len(MOTIONS)}\\]'),
    (dict(num_classes=0), 'num_classes'),
    (dict(num_frames=(150, 130)), 'min <= max'),
    (dict(num_frames=(1, 130)), '2 <= min'),
    (dict(groups_per_class=2), 'groups_per_class must be >= 3'),
    (dict(clips_per_group=0), 'clips_per_group'),
    (dict(fps=0), 'fps'),
    (dict(seed=-1), 'seed'),
    (dict(object_size=(0.3, 0.2)), 'object_size'),
    (dict(object_size=(0.0, 0.2)), 'object_size'),
    (dict(object_size=(0.3, 0.6)), 'object_size'),
    (dict(appearance='flat grey'), 'appearance must be one of'),
    (dict(held_out_groups=-1), 'held_out_groups must be >= 0'),
])
def test_invalid_arguments_raise_before_writing(tmp_path: Path, override: dict,
                                                message: str) -> None:
    kwargs = {**FIXTURE_ARGS, 'num_classes': 2, **override}
    with pytest.raises(ValueError, match=message):
        generate_synthetic_ucf101(tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())


def test_held_out_groups_train_on_every_split_and_leave_the_rest(
        synthetic_ucf101: SyntheticDataset, tmp_path: Path) -> None:
    held = generate_synthetic_ucf101(
        tmp_path, num_classes=2, held_out_groups=2, **FIXTURE_ARGS)
    fixture_bytes = _video_bytes(synthetic_ucf101)
    new_videos = {video for video, group in held.groups.items() if group > 3}
    assert new_videos == {
        f'{name}/v_{name}_g{group:02d}_c01.mp4'
        for name in held.class_names
        for group in (4, 5)
    }
    # the other videos are the fixture's, byte for byte
    assert {
        video: data
        for video, data in _video_bytes(held).items()
        if video not in new_videos
    } == {
        video: data
        for video, data in fixture_bytes.items()
        if video.split('/')[0] in held.class_names
    }
    for split in (1, 2, 3):
        train, test = (
            read_mmaction_list(ann) for ann in held.ann_files[split])
        prp_train, prp_val = (
            read_mmaction_list(ann) for ann in held.prp_ann_files[split])
        assert held.prp_ann_files[split][1].name == (
            f'ucf101_prp_val_split_{split}_videos.txt')
        # tested: the fold of the first three groups, as without them
        assert {held.groups[video] for video, _ in test} == {split}
        assert {video for video, _ in prp_val} == new_videos
        assert prp_train == [
            entry for entry in train if entry[0] not in new_videos
        ]
        assert prp_val == [entry for entry in train if entry[0] in new_videos]
        # the test list and PRP's train list are the lists without them
        without = [
            read_mmaction_list(ann)
            for ann in synthetic_ucf101.ann_files[split]
        ]
        assert (prp_train,
                test) == tuple([entry for entry in entries if entry[1] < 2]
                               for entries in without)


def test_no_prp_lists_without_held_out_groups(
        synthetic_ucf101: SyntheticDataset) -> None:
    assert synthetic_ucf101.prp_ann_files == {}
    assert not list(synthetic_ucf101.root.glob('*_prp_*'))
    assert set(synthetic_ucf101.groups.values()) == {1, 2, 3}


def test_at_least_twelve_distinct_classes() -> None:
    names = [motion.name for motion in MOTIONS]
    assert len(names) >= 12 and len(set(names)) == len(names)
    assert all(name.isalnum() and name[0].isupper() for name in names)


def test_every_frame_moves(synthetic_ucf101: SyntheticDataset) -> None:
    # Sub-pixel rendering: even the slowest drift changes every frame.
    for video in synthetic_ucf101.frame_counts:
        reader = decord.VideoReader(str(synthetic_ucf101.video_dir / video))
        frames = reader.get_batch(list(range(60))).asnumpy().astype(np.int16)
        change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
        assert change.min() > 0.1, video


def test_classes_differ_in_direction_and_speed(
        synthetic_ucf101: SyntheticDataset) -> None:
    for video in synthetic_ucf101.frame_counts:
        dx, dy = _centroid_steps(synthetic_ucf101.video_dir / video)
        vx, speed_y = np.median(dx), np.median(np.abs(dy))
        expected_vx, expected_speed_y = {
            'DriftRightSlow': ((0.5, 1.2), (0, 0.5)),
            'DriftRightFast': ((1.7, 3.0), (0, 0.5)),
            'DriftLeft': ((-2.0, -0.9), (0, 0.5)),
            'BounceVertical': ((-0.2, 0.2), (1.0, 3.0)),
        }[video.split('/')[0]]
        assert expected_vx[0] < vx < expected_vx[1], (video, vx)
        assert expected_speed_y[0] <= speed_y < expected_speed_y[1], (video,
                                                                      speed_y)


def _object_area(path: Path) -> float:
    """Mean pixel count of the moving object over the first 60 frames."""
    frames = decord.VideoReader(str(path)).get_batch(list(
        range(60))).asnumpy().astype(np.int16)
    mask = np.abs(frames - np.median(frames, axis=0)).sum(axis=-1) > 60
    return float(mask.sum(axis=(1, 2)).mean())


def test_object_size_scales_the_object(tmp_path: Path) -> None:
    # DriftRightFast: every pixel is background most of the time
    kwargs = {**FIXTURE_ARGS, 'num_classes': 2}
    small = generate_synthetic_ucf101(
        tmp_path / 'small', **kwargs, object_size=(0.2, 0.2))
    large = generate_synthetic_ucf101(
        tmp_path / 'large', **kwargs, object_size=(0.4, 0.4))
    videos = [v for v in small.frame_counts if 'DriftRightFast' in v]
    assert len(videos) == 3
    for video in videos:
        ratio = (
            _object_area(large.video_dir / video)
            / _object_area(small.video_dir / video))
        # twice the side: about four times the area (shapes differ in fill)
        assert 2.5 < ratio < 5.5, (video, ratio)


def _frames(path: Path, num_frames: int = 10) -> np.ndarray:
    """The first frames of a video as int16 RGB, (T, H, W, 3)."""
    return decord.VideoReader(str(path)).get_batch(list(
        range(num_frames))).asnumpy().astype(np.int16)


def _most_common_colour(pixels: np.ndarray) -> np.ndarray:
    """The median of the pixels in the most populated 8-level colour bin.

    Args:
        pixels (np.ndarray): (N, 3) pixels.

    Returns:
        np.ndarray: (3,) colour.
    """
    bins, counts = np.unique(pixels // 8, axis=0, return_counts=True)
    return np.median(
        pixels[(pixels // 8 == bins[counts.argmax()]).all(axis=1)], axis=0)


def _two_colour_share(frame: np.ndarray) -> float:
    """Share of a frame's pixels within 12 levels of its two main colours.

    Args:
        frame (np.ndarray): (H, W, 3) frame.

    Returns:
        float: In [0, 1]; about 1 for a flat object over a flat background
        (the rest: blended edge pixels and compression noise).
    """
    pixels = frame.reshape(-1, 3)
    first = _most_common_colour(pixels)
    second = _most_common_colour(pixels[np.abs(pixels
                                               - first).max(axis=1) > 24])
    near = [np.abs(pixels - c).max(axis=1) <= 12 for c in (first, second)]
    return float((near[0] | near[1]).mean())


@pytest.mark.parametrize('appearance', APPEARANCES)
def test_appearance_flat_and_grey(tmp_path: Path, appearance: str) -> None:
    dataset = generate_synthetic_ucf101(
        tmp_path,
        **{
            **FIXTURE_ARGS, 'num_classes': 2
        },
        object_size=(0.4, 0.4),
        appearance=appearance)
    frames = {
        video: _frames(dataset.video_dir / video)
        for video in dataset.frame_counts
    }
    shares = [[_two_colour_share(frame) for frame in video_frames]
              for video_frames in frames.values()]
    if appearance == 'textured':
        assert np.mean(shares) < 0.8, shares
        return
    assert np.min(shares) > 0.95, shares
    if appearance == 'grey':
        for video_frames in frames.values():
            pixels = video_frames.reshape(-1, 3)
            background = _most_common_colour(pixels)
            sprite = _most_common_colour(
                pixels[np.abs(pixels - background).max(axis=1) > 24])
            assert np.abs(background - GREY_BACKGROUND).max() <= 8
            assert np.abs(sprite - GREY_OBJECT).max() <= 8


def test_flat_backgrounds_are_shared_within_a_group(tmp_path: Path) -> None:
    dataset = generate_synthetic_ucf101(
        tmp_path,
        num_classes=1,
        groups_per_class=3,
        clips_per_group=2,
        num_frames=(130, 130),
        frame_size=(64, 80),
        progress=False,
        object_size=(0.3, 0.3),
        appearance='flat')
    backgrounds = {
        (group, clip):
        _most_common_colour(
            _frames(
                dataset.video_dir / f'DriftRightSlow/v_DriftRightSlow_'
                f'g{group:02d}_c{clip:02d}.mp4', 1).reshape(-1, 3))
        for group in (1, 2, 3)
        for clip in (1, 2)
    }
    for group in (1, 2, 3):
        difference = backgrounds[group, 1] - backgrounds[group, 2]
        assert np.abs(difference).max() <= 2, group
    for group in (1, 2):
        difference = backgrounds[group, 1] - backgrounds[group + 1, 1]
        assert np.abs(difference).max() > 10, group
