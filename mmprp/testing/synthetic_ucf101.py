"""A deterministic synthetic action-video dataset in UCF101's layout.

Each class is a motion pattern of one object over a background
(:mod:`~mmprp.testing.synthetic_motions`), both textured by default
(``appearance`` makes them flat or grey,
:mod:`~mmprp.testing.synthetic_appearance`): drifts that differ in
direction and speed, bounces, circles of either sense, a zigzag,
stop-and-go, oscillations and a pulsating scale. The class shows only in how
the object moves over time; its shape, size, colour and texture, the
background and the start position are drawn at random per video,
independently of the class, and each speed is jittered by up to 15%.

Layout written under ``out_dir``::

    videos/<ClassName>/v_<ClassName>_gGG_cCC.mp4
    ucfTrainTestlist/classInd.txt, trainlist0K.txt, testlist0K.txt
    ucf101_{train,val}_split_{K}_videos.txt
    ucf101_prp_{train,val}_split_{K}_videos.txt  (with held-out groups)

Like UCF101, split K tests a contiguous block of groups: the group ids are
cut into three folds with ``numpy.array_split`` and fold K is the test set of
split K. The videos of a group share a background family and palette, as
the clips of a UCF101 group share actor and scene; families rotate over the
groups of each class so that every class sees every family.

Optional held-out groups, numbered after those, are on every split's train
list and no test list, and make up PRP's validation list
(``ucf101_prp_val_split_K_videos.txt``; ``prp_train`` has the other train
videos): the lists ``tools/data/prepare_annotations.py`` writes for UCF101,
held out by group instead of at random.
"""
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from mmprp.datasets.preparation import (convert_ucf101_splits,
                                        split_mmaction_list, write_class_index,
                                        write_split_lists)
from mmprp.datasets.preparation.annotation_lists import LIST_FILE
from mmprp.datasets.preparation.ucf101_splits import CLASS_INDEX_FILE, Entry
from mmprp.utils.typing_utils import PathLike
from .synthetic_appearance import (APPEARANCES, PATTERN_FAMILIES,
                                   draw_background, make_object, paste)
from .synthetic_motions import MAX_SCALE, MOTIONS, Motion, Stage

NUM_SPLITS = 3
MIN_FRAME_SIDE = 32
SPEED_JITTER = 0.15
# Default object size range, as a fraction of the frame's shorter side.
OBJECT_SIZE = (0.18, 0.28)
MAX_OBJECT_SIZE = 0.5
# Seed-sequence stream tags keep group and video generators apart.
_GROUP_STREAM, _VIDEO_STREAM = 0, 1


@dataclass(frozen=True)
class SyntheticDataset:
    """Where :func:`generate_synthetic_ucf101` wrote a dataset.

    Attributes:
        root (Path): The output folder.
        video_dir (Path): The videos, one folder per class (MMAction2's
            ``data_prefix=dict(video=video_dir)``).
        split_dir (Path): The official-format ``ucfTrainTestlist`` folder.
        class_names (list[str]): Class names by 0-based label.
        ann_files (dict[int, tuple[Path, Path]]): Split number to its
            MMAction2 train and val annotation lists.
        frame_counts (dict[str, int]): Video path relative to ``video_dir``
            to the number of frames written.
        groups (dict[str, int]): Video path relative to ``video_dir`` to
            its 1-based group number.
        prp_ann_files (dict[int, tuple[Path, Path]]): Split number to its
            PRP train and val lists (the train list less the held-out
            groups, and those groups); empty without held-out groups.
    """

    root: Path
    video_dir: Path
    split_dir: Path
    class_names: List[str]
    ann_files: Dict[int, Tuple[Path, Path]]
    frame_counts: Dict[str, int]
    groups: Dict[str, int]
    prp_ann_files: Dict[int, Tuple[Path, Path]]


def _render_video(motion: Motion,
                  background: np.ndarray,
                  num_frames: int,
                  rng: np.random.Generator,
                  object_size: Sequence[float] = OBJECT_SIZE,
                  appearance: str = 'textured') -> np.ndarray:
    """Render one video of a class over a background.

    Args:
        motion (Motion): The class.
        background (np.ndarray): ``(H, W, 3)`` uint8 BGR background.
        num_frames (int): Number of frames.
        rng (np.random.Generator): The video's generator.
        object_size (Sequence[float]): Range of the object's largest side
            as a fraction of the frame's shorter side. Defaults to
            :data:`OBJECT_SIZE`.
        appearance (str): Of the object, see
            :func:`~mmprp.testing.synthetic_appearance.make_object`.
            Defaults to ``'textured'``.

    Returns:
        np.ndarray: ``(num_frames, H, W, 3)`` uint8 BGR frames.
    """
    height, width = background.shape[:2]
    size = round(min(height, width) * rng.uniform(*object_size))
    sprite, alpha = make_object(size, rng, appearance)
    stage = Stage(height, width, margin=size / 2 * MAX_SCALE)
    speed = motion.speed * rng.uniform(1 - SPEED_JITTER, 1 + SPEED_JITTER)
    xs, ys, scales = motion.trajectory(
        np.arange(num_frames, dtype=np.float64), speed, stage, rng)
    frames = np.repeat(background[None], num_frames, axis=0)
    for frame, cx, cy, scale in zip(frames, xs, ys, scales):
        paste(frame, sprite, alpha, cx, cy, scale)
    return frames


def _write_video(path: Path, frames: np.ndarray, fps: float) -> None:
    """Write BGR frames to an MPEG-4 (``mp4v``) file.

    Args:
        path (Path): The file; its folder is created.
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 BGR frames.
        fps (float): Frame rate.

    Raises:
        RuntimeError: If OpenCV cannot open an ``mp4v`` writer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write mp4v video to {path}')
    for frame in frames:
        writer.write(frame)
    writer.release()


def _check_arguments(num_classes: int, groups_per_class: int,
                     clips_per_group: int, num_frames: Sequence[int],
                     frame_size: Sequence[int], fps: float, seed: int) -> None:
    """Validate the arguments of :func:`generate_synthetic_ucf101`.

    Args:
        num_classes (int): See :func:`generate_synthetic_ucf101`.
        groups_per_class (int): See :func:`generate_synthetic_ucf101`.
        clips_per_group (int): See :func:`generate_synthetic_ucf101`.
        num_frames (Sequence[int]): See :func:`generate_synthetic_ucf101`.
        frame_size (Sequence[int]): See :func:`generate_synthetic_ucf101`.
        fps (float): See :func:`generate_synthetic_ucf101`.
        seed (int): See :func:`generate_synthetic_ucf101`.

    Raises:
        ValueError: On the first invalid argument.
    """
    min_frames, max_frames = num_frames
    height, width = frame_size
    checks = (
        (1 <= num_classes <= len(MOTIONS),
         f'num_classes must be in [1, {len(MOTIONS)}], got {num_classes}'),
        (groups_per_class >= NUM_SPLITS,
         f'groups_per_class must be >= {NUM_SPLITS} (one test fold per '
         f'split), got {groups_per_class}'),
        (clips_per_group
         >= 1, f'clips_per_group must be >= 1, got {clips_per_group}'),
        (2 <= min_frames <= max_frames,
         f'num_frames must be (min, max) with 2 <= min <= max, got '
         f'{tuple(num_frames)}'),
        (min(height, width) >= MIN_FRAME_SIDE,
         f'frame_size (H, W) must be at least {MIN_FRAME_SIDE} pixels a '
         f'side, got {tuple(frame_size)}'),
        (width % 2 == 0 and height % 2 == 0,
         f'frame_size (H, W) must be even for mp4v, got {tuple(frame_size)}'),
        (fps > 0, f'fps must be positive, got {fps}'),
        (seed >= 0, f'seed must be non-negative, got {seed}'),
    )
    for valid, message in checks:
        if not valid:
            raise ValueError(message)


def _background(seed: int,
                label: int,
                group: int,
                height: int,
                width: int,
                rng: np.random.Generator,
                appearance: str = 'textured') -> np.ndarray:
    """Draw a video's background from its group's family and palette.

    The family rotates with ``label + group`` so each class sees each
    family; the palette is drawn per group (so the flat backgrounds of a
    group share their colour) and the pattern per video.

    Args:
        seed (int): Dataset seed.
        label (int): 0-based class label.
        group (int): 1-based group number.
        height (int): Frame height.
        width (int): Frame width.
        rng (np.random.Generator): The video's generator.
        appearance (str): See
            :func:`~mmprp.testing.synthetic_appearance.draw_background`.
            Defaults to ``'textured'``.

    Returns:
        np.ndarray: ``(height, width, 3)`` uint8 BGR background.
    """
    group_rng = np.random.default_rng([_GROUP_STREAM, seed, label, group])
    palette = group_rng.uniform(30, 225, size=(2, 3))
    family = PATTERN_FAMILIES[(label + group) % len(PATTERN_FAMILIES)]
    return draw_background(height, width, palette, family, rng, appearance)


def _write_official_splits(entries: Sequence[Tuple[str, int, int]],
                           groups: int, split_dir: Path) -> None:
    """Write the official train/test lists, one test fold of groups a split.

    Args:
        entries (Sequence[tuple[str, int, int]]): ``(relative video path,
            0-based label, 1-based group)``.
        groups (int): Number of groups per class cut into the test folds;
            the groups numbered above are train videos of every split.
        split_dir (Path): The ``ucfTrainTestlist`` folder.
    """
    folds = np.array_split(np.arange(1, groups + 1), NUM_SPLITS)
    for split, fold in enumerate(folds, start=1):
        train: List[Entry] = []
        test: List[Entry] = []
        for video, label, group in entries:
            (test if group in fold else train).append((video, label))
        write_split_lists(split_dir, split, train, test)


def _write_prp_lists(ann_files: Dict[int, Tuple[Path, Path]],
                     groups: Dict[str, int], groups_per_class: int,
                     out_dir: Path) -> Dict[int, Tuple[Path, Path]]:
    """Split each train list into PRP's train and held-out val lists.

    Args:
        ann_files (dict[int, tuple[Path, Path]]): Split number to its
            MMAction2 train and val lists.
        groups (dict[str, int]): Video path to its 1-based group.
        groups_per_class (int): The groups above this one are held out.
        out_dir (Path): Where the lists go.

    Returns:
        dict[int, tuple[Path, Path]]: Split number to its PRP train and val
        lists, both in the train list's order.
    """
    prp_ann_files = {}
    for split, (train_file, _) in ann_files.items():
        prp_ann_files[split] = split_mmaction_list(
            train_file, lambda entry: groups[entry[0]] > groups_per_class, [
                out_dir / LIST_FILE.format(
                    prefix='ucf101', subset=subset, split=split)
                for subset in ('prp_train', 'prp_val')
            ])
    return prp_ann_files


def _generate_video(path: Path, motion: Motion, label: int, group: int,
                    clip: int, seed: int, num_frames: Sequence[int],
                    frame_size: Sequence[int], fps: float,
                    object_size: Sequence[float], appearance: str) -> int:
    """Render and write one video from its own seeded generator.

    Args:
        path (Path): The video file.
        motion (Motion): Its class.
        label (int): 0-based class label.
        group (int): 1-based group number.
        clip (int): 1-based clip number.
        seed (int): Dataset seed.
        num_frames (Sequence[int]): Inclusive ``(min, max)`` frame count.
        frame_size (Sequence[int]): ``(height, width)``.
        fps (float): Frame rate.
        object_size (Sequence[float]): See :func:`_render_video`.
        appearance (str): See :func:`generate_synthetic_ucf101`.

    Returns:
        int: The number of frames written.
    """
    rng = np.random.default_rng([_VIDEO_STREAM, seed, label, group, clip])
    length = int(rng.integers(num_frames[0], num_frames[1] + 1))
    background = _background(seed, label, group, *frame_size, rng, appearance)
    frames = _render_video(motion, background, length, rng, object_size,
                           appearance)
    _write_video(path, frames, fps)
    return length


def generate_synthetic_ucf101(out_dir: PathLike,
                              num_classes: int = 10,
                              groups_per_class: int = 6,
                              clips_per_group: int = 2,
                              num_frames: Sequence[int] = (140, 200),
                              frame_size: Sequence[int] = (128, 160),
                              fps: float = 25,
                              seed: int = 0,
                              progress: bool = True,
                              object_size: Sequence[float] = OBJECT_SIZE,
                              appearance: str = 'textured',
                              held_out_groups: int = 0) -> SyntheticDataset:
    """Write a synthetic action-video dataset in UCF101's layout.

    The same arguments give byte-identical files (with the same OpenCV
    build): every video draws from its own generator seeded by ``(seed,
    class, group, clip)``, so a video does not depend on ``num_classes``,
    ``groups_per_class``, ``clips_per_group`` or ``held_out_groups``
    either, and held-out groups leave the test lists and the other train
    videos as they were.

    Args:
        out_dir (str | Path): The output folder.
        num_classes (int): Number of classes, the first ones of
            :data:`MOTIONS`. Defaults to 10.
        groups_per_class (int): Groups per class, at least 3. Defaults to 6.
        clips_per_group (int): Videos per group. Defaults to 2.
        num_frames (Sequence[int]): Inclusive ``(min, max)`` frame count;
            each video draws its own. Defaults to (140, 200).
        frame_size (Sequence[int]): ``(height, width)``, even, at least 32.
            Defaults to (128, 160).
        fps (float): Frame rate stored in the files. Defaults to 25.
        seed (int): Non-negative seed. Defaults to 0.
        progress (bool): Show a progress bar. Defaults to True.
        object_size (Sequence[float]): ``(min, max)`` of the object's
            largest side as a fraction of the frame's shorter side, within
            (0, 0.5]. Defaults to (0.18, 0.28).
        appearance (str): ``'textured'``: textured, outlined objects over
            textured backgrounds; ``'flat'``: each object one random colour
            without outline, over one random colour per group;
            ``'grey'``: every object light grey over dark grey
            (:data:`~mmprp.testing.GREY_OBJECT` over
            :data:`~mmprp.testing.GREY_BACKGROUND`), so that only the
            shape, size and motion vary. Defaults to ``'textured'``.
        held_out_groups (int): Groups per class added after the
            ``groups_per_class`` ones: on every split's train list, never
            tested, and the only videos of the PRP val lists
            (:attr:`SyntheticDataset.prp_ann_files`, written only when
            positive). Defaults to 0.

    Returns:
        SyntheticDataset: Where everything was written.

    Raises:
        ValueError: If an argument is out of range.
    """
    _check_arguments(num_classes, groups_per_class, clips_per_group,
                     num_frames, frame_size, fps, seed)
    if not 0 < object_size[0] <= object_size[1] <= MAX_OBJECT_SIZE:
        raise ValueError(
            f'object_size must be (min, max) with 0 < min <= max <= '
            f'{MAX_OBJECT_SIZE}, got {tuple(object_size)}')
    if appearance not in APPEARANCES:
        raise ValueError(f'appearance must be one of {APPEARANCES}, got '
                         f'{appearance!r}')
    if held_out_groups < 0:
        raise ValueError(
            f'held_out_groups must be >= 0, got {held_out_groups}')
    root = Path(out_dir)
    video_dir, split_dir = root / 'videos', root / 'ucfTrainTestlist'
    motions = MOTIONS[:num_classes]
    videos = list(
        itertools.product(
            enumerate(motions), range(1,
                                      groups_per_class + held_out_groups + 1),
            range(1, clips_per_group + 1)))
    bar = ProgressBar(len(videos)) if progress else None
    entries, frame_counts, groups = [], {}, {}
    for (label, motion), group, clip in videos:
        video = f'{motion.name}/v_{motion.name}_g{group:02d}_c{clip:02d}.mp4'
        frame_counts[video] = _generate_video(video_dir / video, motion, label,
                                              group, clip, seed, num_frames,
                                              frame_size, fps, object_size,
                                              appearance)
        entries.append((video, label, group))
        groups[video] = group
        if bar is not None:
            bar.update()
    class_names = [motion.name for motion in motions]
    write_class_index(split_dir / CLASS_INDEX_FILE, class_names)
    _write_official_splits(entries, groups_per_class, split_dir)
    ann = convert_ucf101_splits(split_dir, root, range(1, NUM_SPLITS + 1))
    ann_files = {
        split: (ann[2 * split - 2], ann[2 * split - 1])
        for split in range(1, NUM_SPLITS + 1)
    }
    prp_ann_files = _write_prp_lists(ann_files, groups, groups_per_class,
                                     root) if held_out_groups else {}
    return SyntheticDataset(root, video_dir, split_dir, class_names, ann_files,
                            frame_counts, groups, prp_ann_files)
