"""Tests for the SlowFast pathway adapter."""
import pytest
import torch
from mmaction.registry import MODELS

import mmprp  # noqa: F401


def test_pools_the_fast_pathway_to_the_slow_length_and_concatenates() -> None:
    neck = MODELS.build(dict(type='PathwayConcatNeck'))
    slow = torch.randn(2, 6, 2, 3, 3)
    fast = torch.arange(
        2 * 4 * 8 * 3 * 3, dtype=torch.float).view(2, 4, 8, 3, 3)
    out = neck((slow, fast))
    assert out.shape == (2, 10, 2, 3, 3)
    assert torch.equal(out[:, :6], slow)
    torch.testing.assert_close(out[:, 6:, 0], fast[:, :, :4].mean(2))
    torch.testing.assert_close(out[:, 6:, 1], fast[:, :, 4:].mean(2))
    assert not list(neck.parameters())


@pytest.mark.parametrize('pathways,match', [
    (torch.randn(1, 4, 2, 3, 3), r'tuple of 5-D.*tensor of shape'),
    ((torch.randn(1, 4, 2, 3, 3), torch.randn(
        1, 4, 3, 3)), r'tuple of \(1, 4, 2, 3, 3\), \(1, 4, 3, 3\)'),
    ((torch.randn(1, 4, 2, 3, 3), torch.randn(
        1, 4, 8, 2, 2)), r'same batch size and H x W'),
])
def test_other_inputs_are_named(pathways: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='PathwayConcatNeck'))(pathways)
