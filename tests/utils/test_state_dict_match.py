"""Matching a checkpoint's state dict against a model's parts."""
import pytest
import torch
from torch import nn

from mmprp.utils.state_dict_match import match_state_dict, require_parts


class TwoParts(nn.Module):

    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv3d(3, width, 1), nn.BatchNorm3d(width))
        self.decoder = nn.Linear(width, 2)
        self.rate_head = None


def test_counts_leave_out_num_batches_tracked_and_split_the_causes() -> None:
    model = TwoParts()
    state_dict = TwoParts(width=8).state_dict()
    del state_dict['backbone.1.running_var']
    match = match_state_dict(model, state_dict, 'backbone.')
    # conv weight + bias, BN weight, bias, running mean and var
    assert match.total == 6
    assert match.missing == ['backbone.1.running_var']
    assert len(match.wrong_shape) == 5 and match.matched == 0
    assert match.describe(limit=1) == (
        '0 of 6 tensors (missing: backbone.1.running_var; other shape: '
        'backbone.0.weight: model (4, 3, 1, 1, 1) vs checkpoint '
        '(8, 3, 1, 1, 1), ... 4 more)')


def test_require_parts_names_each_unfilled_part() -> None:
    model = TwoParts()
    state_dict = dict(model.state_dict())
    require_parts(model, state_dict, ('backbone', 'decoder', 'rate_head'),
                  'same.pth')
    del state_dict['decoder.bias']
    with pytest.raises(
            ValueError,
            match=r'^part.pth does not fit this '
            r'TwoParts: decoder: 1 of 2 tensors \(missing: '
            r'decoder.bias\)'):
        require_parts(model, state_dict, ('backbone', 'decoder'), 'part.pth')
    state_dict['decoder.bias'] = torch.zeros(2)
    require_parts(model, state_dict, ('decoder', ), 'part.pth')


def test_load_problems_name_each_broken_condition() -> None:
    model = TwoParts()
    state_dict = dict(model.state_dict())
    assert match_state_dict(model, state_dict, 'backbone.').load_problems() \
        == []
    del state_dict['backbone.0.bias']
    state_dict['backbone.2.weight'] = torch.ones(1)
    match = match_state_dict(model, state_dict, 'backbone.')
    assert match.load_problems() == [
        "1 of the checkpoint's tensors have no place in the model "
        '(backbone.2.weight)',
        '1 layers are only partly in the checkpoint (backbone.0)'
    ]
    assert match.load_problems(min_fraction=1.)[-1] == (
        'only 5 of 6 tensors are filled, fewer than 100%')


def test_whole_layers_may_be_missing_only_on_top() -> None:
    model = TwoParts()
    state_dict = dict(model.state_dict())
    top = {k: v for k, v in state_dict.items() if not k.startswith('decoder')}
    assert match_state_dict(model, top).load_problems(0.5) == []
    bottom = {
        k: v
        for k, v in state_dict.items() if not k.startswith('backbone.0')
    }
    assert match_state_dict(model, bottom).load_problems(0.5) == [
        '1 layers missing from the checkpoint come before layers it fills '
        '(only new layers on top may be missing): backbone.0'
    ]
