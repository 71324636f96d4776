"""Tests of find_shape_problem: the layer an input shape does not fit."""
import torch
from mmaction.registry import MODELS

from mmprp.models.common.shape_problem import (TOO_SMALL_PROBLEM,
                                               find_shape_problem)


def test_a_later_layer_too_small_is_found() -> None:
    encoder = MODELS.build(dict(type='C3DEncoder', base_channels=4))
    problem = find_shape_problem(encoder, encoder, (2, 3, 4, 32, 32))
    assert problem.kind == TOO_SMALL_PROBLEM
    assert str(problem) == ('MaxPool3d with kernel (2, 2, 2) gets an input '
                            'of size (1, 4, 4)')
    assert encoder.training


def test_the_probe_input_lies_on_the_module_device() -> None:
    # as on a GPU: an input on another device than the weights would fail
    # at the first convolution and hide the pooling that does not fit
    encoder = MODELS.build(dict(type='C3DEncoder', base_channels=4)).to('meta')
    problem = find_shape_problem(encoder, encoder, (2, 3, 4, 32, 32))
    assert problem is not None and problem.kind == TOO_SMALL_PROBLEM


def test_a_fitting_input_has_no_problem() -> None:
    encoder = MODELS.build(dict(type='C3DEncoder', base_channels=4))
    assert find_shape_problem(encoder, encoder, (1, 3, 16, 32, 32)) is None
    assert torch.is_grad_enabled()
