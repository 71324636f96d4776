"""The looks of the synthetic dataset: textured, flat or grey objects of
random shape, pasted over backgrounds of the same kinds."""
import math
from typing import Tuple

import cv2
import numpy as np

APPEARANCES = ('textured', 'flat', 'grey')
# The two levels of the 'grey' appearance, BGR uint8 (light over dark).
GREY_BACKGROUND, GREY_OBJECT = 50, 210

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


def make_object(size: int,
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


def paste(frame: np.ndarray, sprite: np.ndarray, alpha: np.ndarray, cx: float,
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


def draw_background(height: int,
                    width: int,
                    palette: np.ndarray,
                    family: str,
                    rng: np.random.Generator,
                    appearance: str = 'textured') -> np.ndarray:
    """Draw a background: a pattern of a family in a palette, or one colour.

    A flat background is the palette's first colour; a grey one is
    :data:`GREY_BACKGROUND` everywhere.

    Args:
        height (int): Frame height.
        width (int): Frame width.
        palette (np.ndarray): ``(2, 3)`` BGR colours.
        family (str): A pattern family of :data:`PATTERN_FAMILIES`.
        rng (np.random.Generator): The video's generator (draws the
            pattern).
        appearance (str): ``'textured'``, ``'flat'`` or ``'grey'``.
            Defaults to ``'textured'``.

    Returns:
        np.ndarray: ``(height, width, 3)`` uint8 BGR background.
    """
    if appearance == 'grey':
        return np.full((height, width, 3), GREY_BACKGROUND, np.uint8)
    if appearance == 'flat':
        return np.full((height, width, 3), np.rint(palette[0]), np.uint8)
    return _blend(_pattern(family, height, width, rng), palette)
