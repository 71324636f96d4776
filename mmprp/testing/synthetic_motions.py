"""The motions of the synthetic dataset's classes: each a trajectory of one
object's centre and scale over the frames, within a :class:`Stage` that
keeps the object whole.

Speeds of 0.5-3 px/frame and periods of 40 frames or more keep the motion
coherent when a clip is sampled every 8th frame, so playback rate shows too.
"""
import functools
import math
from dataclasses import dataclass
from typing import Callable, NamedTuple, Tuple, Union

import numpy as np

Track = Tuple[np.ndarray, np.ndarray, np.ndarray]

#: The largest scale of a pulsating object (the others keep scale 1).
MAX_SCALE = 1.35
STOP_AND_GO_HALF_CYCLE = 20


@dataclass(frozen=True)
class Stage:
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


Trajectory = Callable[[np.ndarray, float, Stage, np.random.Generator], Track]


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


def _translate(t: np.ndarray, speed: float, stage: Stage,
               rng: np.random.Generator, dx: float, dy: float, wrap_x: bool,
               wrap_y: bool) -> Track:
    """Constant-velocity motion, wrapping or bouncing per axis.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame.
        stage (Stage): Frame and centre range.
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


def _billiard(t: np.ndarray, speed: float, stage: Stage,
              rng: np.random.Generator) -> Track:
    """Diagonal motion bouncing off all four edges, random heading.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame.
        stage (Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    heading = (rng.integers(4) + 0.5) * math.pi / 2 + rng.uniform(-0.2, 0.2)
    return _translate(t, speed, stage, rng, math.cos(heading),
                      math.sin(heading), False, False)


def _stop_and_go(t: np.ndarray, speed: float, stage: Stage,
                 rng: np.random.Generator) -> Track:
    """Rightward drift that alternately moves and pauses.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame while moving.
        stage (Stage): Frame and centre range.
        rng (np.random.Generator): The video's generator.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: x, y and scale per frame.
    """
    half = STOP_AND_GO_HALF_CYCLE
    shifted = t + rng.integers(2 * half)
    moving_time = (shifted //
                   (2 * half)) * half + np.minimum(shifted % (2 * half), half)
    return _drift(1, 0)(moving_time, speed, stage, rng)


def _circle(t: np.ndarray, speed: float, stage: Stage,
            rng: np.random.Generator, clockwise: bool) -> Track:
    """Uniform circular motion.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Px/frame along the circle.
        stage (Stage): Frame and centre range.
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


def _oscillate(t: np.ndarray, speed: float, stage: Stage,
               rng: np.random.Generator, fx: int, fy: int) -> Track:
    """Sinusoidal oscillation (a Lissajous figure) around a random centre.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Peak px/frame.
        stage (Stage): Frame and centre range.
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


def _pulsate(t: np.ndarray, speed: float, stage: Stage,
             rng: np.random.Generator) -> Track:
    """Object in place, growing and shrinking periodically.

    Args:
        t (np.ndarray): Frame times.
        speed (float): Peak px/frame of the object's edge.
        stage (Stage): Frame and centre range.
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
