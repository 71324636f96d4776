"""Tests for the per-frame (2-D-plus-time) backbone adapter."""
import pytest
import torch
from mmaction.registry import MODELS

import mmprp  # noqa: F401


def test_frames_round_trip_clip_by_clip() -> None:
    neck = MODELS.build(dict(type='FramesToClipNeck', num_segments=4))
    clips = torch.randn(2, 3, 4, 5, 5)
    frames = neck.backbone_input(clips)
    assert frames.shape == (8, 3, 5, 5)
    assert torch.equal(frames[5], clips[1, :, 1])
    assert torch.equal(neck(frames), clips)
    assert not list(neck.parameters())


def test_clip_length_other_than_num_segments_is_named() -> None:
    neck = MODELS.build(dict(type='FramesToClipNeck', num_segments=4))
    with pytest.raises(
            ValueError,
            match=r'\(N, C, 4, H, W\), got '
            r'\(1, 3, 8, 5, 5\).*clip_len'):
        neck.backbone_input(torch.randn(1, 3, 8, 5, 5))


@pytest.mark.parametrize('maps', [
    torch.randn(2, 4, 3, 3, 3),
    torch.randn(6, 4, 3, 3), (torch.randn(8, 4, 3, 3), )
])
def test_other_outputs_are_named(maps: object) -> None:
    neck = MODELS.build(dict(type='FramesToClipNeck', num_segments=4))
    with pytest.raises(ValueError, match=r'takes per-frame maps'):
        neck(maps)


def test_num_segments_must_be_positive() -> None:
    with pytest.raises(ValueError, match='num_segments'):
        MODELS.build(dict(type='FramesToClipNeck', num_segments=0))
