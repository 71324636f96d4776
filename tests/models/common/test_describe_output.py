"""Tests for the output description used in error messages."""
import torch

from mmprp.models.common import describe_output


def test_tensors_tuples_and_others_are_described() -> None:
    assert describe_output(torch.zeros(
        1, 32)) == ('a 2-D tensor of shape (1, 32)')
    assert describe_output(
        (torch.zeros(1, 4, 2, 3,
                     3), None)) == ('a tuple of (1, 4, 2, 3, 3), NoneType')
    assert describe_output({'x': 1}) == 'a dict'
