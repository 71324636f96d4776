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
