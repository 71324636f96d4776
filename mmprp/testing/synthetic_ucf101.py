"""A deterministic synthetic action-video dataset in UCF101's layout.

Each class is a motion pattern of one object over a background, both
textured by default (``appearance`` makes them flat or grey): drifts that
differ in direction and speed, bounces, circles of either sense, a zigzag,
stop-and-go, oscillations and a pulsating scale. The class shows only in how
the object moves over time; its shape, size, colour and texture, the
background and the start position are drawn at random per video,
independently of the class, and each speed is jittered by up to 15%.
Speeds of 0.5-3 px/frame and periods of 40 frames or more keep the motion
coherent when a clip is sampled every 8th frame, so playback rate shows too.

Layout written under ``out_dir``::

    videos/<ClassName>/v_<ClassName>_gGG_cCC.mp4
    ucfTrainTestlist/classInd.txt, trainlist0K.txt, testlist0K.txt
    ucf101_{train,val}_split_{K}_videos.txt

Like UCF101, split K tests a contiguous block of groups: the group ids are
cut into three folds with ``numpy.array_split`` and fold K is the test set of
split K. The videos of a group share a background family and palette, as the
clips of a UCF101 group share actor and scene; families rotate over the
groups of each class so that every class sees every family.
"""
import functools
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Sequence, Tuple, Union

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from mmprp.datasets.preparation import (convert_ucf101_splits,
                                        write_class_index, write_split_lists)
from mmprp.datasets.preparation.ucf101_splits import CLASS_INDEX_FILE, Entry
from mmprp.utils.typing_utils import PathLike

Track = Tuple[np.ndarray, np.ndarray, np.ndarray]

NUM_SPLITS = 3
MIN_FRAME_SIDE = 32
SPEED_JITTER = 0.15
MAX_SCALE = 1.35
# Default object size range, as a fraction of the frame's shorter side.
OBJECT_SIZE = (0.18, 0.28)
MAX_OBJECT_SIZE = 0.5
STOP_AND_GO_HALF_CYCLE = 20
APPEARANCES = ('textured', 'flat', 'grey')
# The two levels of the 'grey' appearance, BGR uint8 (light over dark).
GREY_BACKGROUND, GREY_OBJECT = 50, 210
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
    """

    root: Path
    video_dir: Path
    split_dir: Path
    class_names: List[str]
    ann_files: Dict[int, Tuple[Path, Path]]
    frame_counts: Dict[str, int]


@dataclass(frozen=True)
class _Stage:
    """The frame and the range an object's centre keeps to.

    Attributes:
        height (int): Frame height in pixels.
        width (int): Frame width in pixels.
        margin (float): Half the largest extent of the object at its
            largest scale; centres at least this far from the edges keep
            the object whole.
    """

    height: int
    width: int
    margin: float

    @property
    def x_range(self) -> Tuple[float, float]:
        """tuple[float, float]: Lowest and highest whole-object centre x."""
        return self.margin, self.width - self.margin

    @property
    def y_range(self) -> Tuple[float, float]:
        """tuple[float, float]: Lowest and highest whole-object centre y."""
        return self.margin, self.height - self.margin

    def random_point(self, rng: np.random.Generator) -> Tuple[float, float]:
        """Draw a centre that keeps the object whole.

        Args:
            rng (np.random.Generator): The video's generator.

        Returns:
            tuple[float, float]: ``(x, y)``.
        """
        return rng.uniform(*self.x_range), rng.uniform(*self.y_range)


Trajectory = Callable[[np.ndarray, float, _Stage, np.random.Generator], Track]


class Motion(NamedTuple):
    """One action class.

    Attributes:
        name (str): CamelCase class name.
        speed (float): Typical object speed in px/frame before jitter.
        trajectory (Trajectory): Maps ``(frame times, speed, stage, rng)``
            to the object's centre x, centre y and scale per frame.
    """

    name: str
    speed: float
    trajectory: Trajectory


def _track(t: np.ndarray, x: Union[float, np.ndarray],
           y: Union[float, np.ndarray]) -> Track:
    """Broadcast centre coordinates over the frames, at scale 1.

    Args:
        t (np.ndarray): Frame times.
        x (float | np.ndarray): Centre x, per frame or constant.
        y (float | np.ndarray): Centre y, per frame or constant.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    return (np.broadcast_to(x, t.shape), np.broadcast_to(y, t.shape),
            np.ones_like(t))


def _move(start: float, velocity: float, low: float, high: float, size: int,
          wrap: bool, t: np.ndarray) -> np.ndarray:
    """Move along one axis at constant velocity, wrapping or reflecting.

    Args:
        start (float): Position at ``t == 0``.
        velocity (float): Px/frame.
        low (float): Lowest position when reflecting.
        high (float): Highest position when reflecting.
        size (int): Frame extent along the axis, the period when wrapping.
        wrap (bool): Wrap around the frame rather than bounce off
            ``low`` and ``high``.
        t (np.ndarray): Frame times.

    Returns:
        np.ndarray: Position per frame.
    """
    if wrap:
        return np.mod(start + velocity * t, size)
    span = high - low
    unfolded = np.mod(start - low + velocity * t, 2 * span)
    return low + span - np.abs(unfolded - span)


def _translate(t: np.ndarray, speed: float, stage: _Stage,
               rng: np.random.Generator, dx: float, dy: float, wrap_x: bool,
               wrap_y: bool) -> Track:
    """Constant-velocity motion, wrapping or bouncing per axis.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame.
        stage (_Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.
        dx (float): Direction x component.
        dy (float): Direction y component.
        wrap_x (bool): Wrap horizontally rather than bounce.
        wrap_y (bool): Wrap vertically rather than bounce.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    x0, y0 = stage.random_point(rng)
    x = _move(x0, dx * speed, *stage.x_range, stage.width, wrap_x, t)
    y = _move(y0, dy * speed, *stage.y_range, stage.height, wrap_y, t)
    return _track(t, x, y)


def _drift(dx: float, dy: float) -> Trajectory:
    """Constant-velocity motion that wraps around the frame.

    Args:
        dx (float): Direction x component.
        dy (float): Direction y component.

    Returns:
        Trajectory: The class's trajectory.
    """
    return functools.partial(
        _translate, dx=dx, dy=dy, wrap_x=True, wrap_y=True)


def _billiard(t: np.ndarray, speed: float, stage: _Stage,
              rng: np.random.Generator) -> Track:
    """Diagonal motion bouncing off all four edges, random heading.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame.
        stage (_Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    heading = (rng.integers(4) + 0.5) * math.pi / 2 + rng.uniform(-0.2, 0.2)
    return _translate(t, speed, stage, rng, math.cos(heading),
                      math.sin(heading), False, False)


def _stop_and_go(t: np.ndarray, speed: float, stage: _Stage,
                 rng: np.random.Generator) -> Track:
    """Rightward drift that alternately moves and pauses.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame while moving.
        stage (_Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    half = STOP_AND_GO_HALF_CYCLE
    shifted = t + rng.integers(2 * half)
    moving_time = (shifted //
                   (2 * half)) * half + np.minimum(shifted % (2 * half), half)
    return _drift(1, 0)(moving_time, speed, stage, rng)


def _circle(t: np.ndarray, speed: float, stage: _Stage,
            rng: np.random.Generator, clockwise: bool) -> Track:
    """Uniform circular motion.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame along the circle.
        stage (_Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.
        clockwise (bool): Turn clockwise as seen on screen (y down).

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    (x_low, x_high), (y_low, y_high) = stage.x_range, stage.y_range
    radius = min(x_high - x_low, y_high - y_low) / 2 * rng.uniform(0.6, 1.0)
    cx = rng.uniform(x_low + radius, x_high - radius)
    cy = rng.uniform(y_low + radius, y_high - radius)
    sense = 1.0 if clockwise else -1.0
    angle = rng.uniform(0, 2 * math.pi) + sense * speed / radius * t
    return _track(t, cx + radius * np.cos(angle), cy + radius * np.sin(angle))


def _oscillate(t: np.ndarray, speed: float, stage: _Stage,
               rng: np.random.Generator, fx: int, fy: int) -> Track:
    """Sinusoidal oscillation (a Lissajous figure) around a random centre.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Peak px/frame.
        stage (_Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.
        fx (int): Horizontal frequency multiple (0: no horizontal motion).
        fy (int): Vertical frequency multiple (0: no vertical motion).

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    (x_low, x_high), (y_low, y_high) = stage.x_range, stage.y_range
    ax = (x_high - x_low) / 2 * rng.uniform(0.6, 1.0)
    ay = (y_high - y_low) / 2 * rng.uniform(0.6, 1.0)
    cx = rng.uniform(x_low + ax, x_high - ax)
    cy = rng.uniform(y_low + ay, y_high - ay)
    phase = rng.uniform(0,
                        2 * math.pi) + speed / math.hypot(ax * fx, ay * fy) * t
    return _track(t, cx + ax * np.sin(fx * phase),
                  cy + ay * np.sin(fy * phase))


def _pulsate(t: np.ndarray, speed: float, stage: _Stage,
             rng: np.random.Generator) -> Track:
    """Object in place, growing and shrinking periodically.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Peak px/frame of the object's edge.
        stage (_Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    depth = MAX_SCALE - 1
    rate = speed * MAX_SCALE / (depth * stage.margin)
    x, y, _ = _track(t, *stage.random_point(rng))
    return x, y, 1 + depth * np.sin(rng.uniform(0, 2 * math.pi) + rate * t)


MOTIONS: Tuple[Motion, ...] = (
    Motion('DriftRightSlow', 0.8, _drift(1, 0)),
    Motion('DriftRightFast', 2.4, _drift(1, 0)),
    Motion('DriftLeft', 1.5, _drift(-1, 0)),
    Motion(
        'BounceVertical', 2.0,
        functools.partial(_translate, dx=0, dy=1, wrap_x=False, wrap_y=False)),
    Motion('CircleClockwise', 1.8, functools.partial(_circle, clockwise=True)),
    Motion('CircleCounterClockwise', 1.8,
           functools.partial(_circle, clockwise=False)),
    Motion(
        'ZigZag', 2.4,
        functools.partial(
            _translate, dx=0.45, dy=0.9, wrap_x=True, wrap_y=False)),
    Motion('StopAndGo', 2.4, _stop_and_go),
    Motion('PendulumSwing', 2.2, functools.partial(_oscillate, fx=1, fy=0)),
    Motion('PulsatingScale', 0.5, _pulsate),
    Motion('BilliardBounce', 2.2, _billiard),
    Motion('FigureEight', 2.0, functools.partial(_oscillate, fx=1, fy=2)),
    Motion('DriftUp', 1.2, _drift(0, -1)),
    Motion('DriftDown', 1.2, _drift(0, 1)),
)
"""The classes in label order; ``num_classes`` takes the first ones."""

PATTERN_FAMILIES = ('noise', 'stripes', 'checker')


def _pattern(family: str, height: int, width: int,
             rng: np.random.Generator) -> np.ndarray:
    """Draw a texture of a family with random scale, orientation and phase.

    Args:
        family (str): ``'noise'`` (smoothed uniform noise), ``'stripes'``
            (sinusoidal) or ``'checker'`` (checkerboard).
        height (int): Pattern height.
        width (int): Pattern width.
        rng (np.random.Generator): The generator.

    Returns:
        np.ndarray: ``(height, width)`` float32 in [0, 1].
    """
    y, x = np.mgrid[:height, :width].astype(np.float32)
    if family == 'noise':
        cell = int(rng.integers(4, 9))
        coarse = rng.random((height // cell + 2, width // cell + 2),
                            dtype=np.float32)
        return np.clip(
            cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC),
            0, 1)
    if family == 'stripes':
        angle, period = rng.uniform(0, math.pi), rng.uniform(6, 16)
        wave = (x * math.cos(angle) + y * math.sin(angle)) * (2 * math.pi
                                                              / period)
        return 0.5 + 0.5 * np.sin(wave + rng.uniform(0, 2 * math.pi))
    cell = int(rng.integers(5, 13))
    oy, ox = rng.integers(cell, size=2)
    return ((y + oy) // cell + (x + ox) // cell) % 2


def _blend(pattern: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """Colour a [0, 1] pattern by mixing two colours.

    Args:
        pattern (np.ndarray): ``(H, W)`` weights of the second colour.
        colors (np.ndarray): ``(2, 3)`` BGR colours.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 image.
    """
    weights = pattern[..., None]
    return np.rint(colors[0] * (1 - weights) + colors[1] * weights).astype(
        np.uint8)


def _shape_mask(height: int, width: int,
                rng: np.random.Generator) -> np.ndarray:
    """Draw one of ellipse, rectangle, diamond or triangle.

    Args:
        height (int): Mask height.
        width (int): Mask width.
        rng (np.random.Generator): The video's generator.

    Returns:
        np.ndarray: ``(height, width)`` bool mask.
    """
    v, u = np.meshgrid(
        np.linspace(-1, 1, height), np.linspace(-1, 1, width), indexing='ij')
    shapes = (u**2 + v**2 <= 1, np.ones_like(u,
                                             dtype=bool), np.abs(u) + np.abs(v)
              <= 1, np.abs(u) <= (v + 1) / 2)
    return shapes[rng.integers(len(shapes))]


def _make_object(
        size: int,
        rng: np.random.Generator,
        appearance: str = 'textured') -> Tuple[np.ndarray, np.ndarray]:
    """Draw an object of random shape and, unless grey, random colours.

    Args:
        size (int): Largest side in pixels.
        rng (np.random.Generator): The video's generator.
        appearance (str): ``'textured'``: a two-colour texture with a black
            or white outline; ``'flat'``: one colour, no outline;
            ``'grey'``: :data:`GREY_OBJECT`, no outline. Defaults to
            ``'textured'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(h, w, 3)`` float32 BGR sprite,
        premultiplied by its ``(h, w)`` float32 alpha (0 or 1).
    """
    height, width = size, max(8, round(size * rng.uniform(0.6, 1.0)))
    if rng.random() < 0.5:
        height, width = width, height
    mask = _shape_mask(height, width, rng)
    alpha = mask.astype(np.float32)
    if appearance != 'textured':
        colour = (rng.uniform(0, 255, size=3) if appearance == 'flat' else
                  np.full(3, GREY_OBJECT)).astype(np.float32)
        return colour * alpha[..., None], alpha
    texture = _pattern(rng.choice(PATTERN_FAMILIES), height, width, rng)
    sprite = _blend(texture, rng.uniform(0, 255, size=(2, 3)))
    inner = cv2.erode(
        mask.astype(np.uint8),
        np.ones((3, 3), np.uint8),
        borderType=cv2.BORDER_CONSTANT,
        borderValue=0)
    sprite[mask & ~inner.astype(bool)] = 255 * rng.integers(2)
    return sprite * alpha[..., None], alpha


def _paste(frame: np.ndarray, sprite: np.ndarray, alpha: np.ndarray, cx: float,
           cy: float, scale: float) -> None:
    """Blend a scaled sprite centred at ``(cx, cy)``, wrapping at the edges.

    The sprite is resampled bilinearly, so sub-pixel positions and scales
    show as smooth motion.

    Args:
        frame (np.ndarray): ``(H, W, 3)`` uint8 frame, changed in place.
        sprite (np.ndarray): ``(h, w, 3)`` float32 premultiplied sprite.
        alpha (np.ndarray): ``(h, w)`` float32 alpha.
        cx (float): Centre x in pixels (0 is the frame's left edge).
        cy (float): Centre y in pixels (0 is the frame's top edge).
        scale (float): Scale factor of the sprite.
    """
    height, width = alpha.shape
    left, top = cx - scale * width / 2, cy - scale * height / 2
    x0, y0 = math.floor(left) - 1, math.floor(top) - 1
    # Sprite pixel centre i + 0.5 lands on frame pixel centre u + 0.5.
    matrix = np.float32([[scale, 0, left - x0 + 0.5 * (scale - 1)],
                         [0, scale, top - y0 + 0.5 * (scale - 1)]])
    size = (math.ceil(scale * width) + 3, math.ceil(scale * height) + 3)
    color = cv2.warpAffine(sprite, matrix, size, flags=cv2.INTER_LINEAR)
    weight = cv2.warpAffine(alpha, matrix, size, flags=cv2.INTER_LINEAR)
    rows = (y0 + np.arange(size[1])) % frame.shape[0]
    cols = (x0 + np.arange(size[0])) % frame.shape[1]
    window = np.ix_(rows, cols)
    blended = frame[window] * (1 - weight[..., None]) + color
    frame[window] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)


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
        appearance (str): Of the object, see :func:`_make_object`.
            Defaults to ``'textured'``.

    Returns:
        np.ndarray: ``(num_frames, H, W, 3)`` uint8 BGR frames.
    """
    height, width = background.shape[:2]
    size = round(min(height, width) * rng.uniform(*object_size))
    sprite, alpha = _make_object(size, rng, appearance)
    stage = _Stage(height, width, margin=size / 2 * MAX_SCALE)
    speed = motion.speed * rng.uniform(1 - SPEED_JITTER, 1 + SPEED_JITTER)
    xs, ys, scales = motion.trajectory(
        np.arange(num_frames, dtype=np.float64), speed, stage, rng)
    frames = np.repeat(background[None], num_frames, axis=0)
    for frame, cx, cy, scale in zip(frames, xs, ys, scales):
        _paste(frame, sprite, alpha, cx, cy, scale)
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
    family; the palette is drawn per group and the pattern per video. A flat
    background is the palette's first colour, so the videos of a group share
    it; a grey one is :data:`GREY_BACKGROUND` everywhere.

    Args:
        seed (int): Dataset seed.
        label (int): 0-based class label.
        group (int): 1-based group number.
        height (int): Frame height.
        width (int): Frame width.
        rng (np.random.Generator): The video's generator.
        appearance (str): ``'textured'`` (a pattern of the group's
            family), ``'flat'`` or ``'grey'``. Defaults to ``'textured'``.

    Returns:
        np.ndarray: ``(height, width, 3)`` uint8 BGR background.
    """
    group_rng = np.random.default_rng([_GROUP_STREAM, seed, label, group])
    palette = group_rng.uniform(30, 225, size=(2, 3))
    if appearance == 'grey':
        return np.full((height, width, 3), GREY_BACKGROUND, np.uint8)
    if appearance == 'flat':
        return np.full((height, width, 3), np.rint(palette[0]), np.uint8)
    family = PATTERN_FAMILIES[(label + group) % len(PATTERN_FAMILIES)]
    pattern = _pattern(family, height, width, rng)
    return _blend(pattern, palette)


def _write_official_splits(entries: Sequence[Tuple[str, int, int]],
                           groups: int, split_dir: Path) -> None:
    """Write the official train/test lists, one test fold of groups a split.

    Args:
        entries (Sequence[tuple[str, int, int]]): ``(relative video path,
            0-based label, 1-based group)``.
        groups (int): Number of groups per class.
        split_dir (Path): The ``ucfTrainTestlist`` folder.
    """
    folds = np.array_split(np.arange(1, groups + 1), NUM_SPLITS)
    for split, fold in enumerate(folds, start=1):
        train: List[Entry] = []
        test: List[Entry] = []
        for video, label, group in entries:
            (test if group in fold else train).append((video, label))
        write_split_lists(split_dir, split, train, test)


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


def generate_synthetic_ucf101(
        out_dir: PathLike,
        num_classes: int = 10,
        groups_per_class: int = 6,
        clips_per_group: int = 2,
        num_frames: Sequence[int] = (140, 200),
        frame_size: Sequence[int] = (128, 160),
        fps: float = 25,
        seed: int = 0,
        progress: bool = True,
        object_size: Sequence[float] = OBJECT_SIZE,
        appearance: str = 'textured') -> SyntheticDataset:
    """Write a synthetic action-video dataset in UCF101's layout.

    The same arguments give byte-identical files (with the same OpenCV
    build): every video draws from its own generator seeded by ``(seed,
    class, group, clip)``, so a video does not depend on ``num_classes``,
    ``groups_per_class`` or ``clips_per_group`` either.

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
            ``'grey'``: every object light grey (:data:`GREY_OBJECT`) over
            dark grey (:data:`GREY_BACKGROUND`), so that only the shape,
            size and motion vary. Defaults to ``'textured'``.

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
    root = Path(out_dir)
    video_dir, split_dir = root / 'videos', root / 'ucfTrainTestlist'
    motions = MOTIONS[:num_classes]
    videos = list(
        itertools.product(
            enumerate(motions), range(1, groups_per_class + 1),
            range(1, clips_per_group + 1)))
    bar = ProgressBar(len(videos)) if progress else None
    entries, frame_counts = [], {}
    for (label, motion), group, clip in videos:
        video = f'{motion.name}/v_{motion.name}_g{group:02d}_c{clip:02d}.mp4'
        frame_counts[video] = _generate_video(video_dir / video, motion, label,
                                              group, clip, seed, num_frames,
                                              frame_size, fps, object_size,
                                              appearance)
        entries.append((video, label, group))
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
    return SyntheticDataset(root, video_dir, split_dir, class_names, ann_files,
                            frame_counts)
