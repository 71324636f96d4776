"""Folding BatchNorm into convs: eval outputs kept, stock C3D loads all."""
import pytest
import torch
from mmaction.models.backbones import C3D
from mmaction.registry import MODELS
from mmcv.cnn import ConvModule

from mmprp.utils import batch_norm_keys, fold_batch_norms, no_bn_target_warning
from helpers import randomise_batch_norms

R21D = dict(
    type='ResNet3d',
    depth=18,
    base_channels=4,
    stage_blocks=(1, 1, 1, 1),
    pretrained=None,
    conv_cfg=dict(type='FactorisedConv3d'))


def assert_close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    """Equal within 1e-5 of the largest magnitude of ``expected``."""
    assert actual.shape == expected.shape
    error = (actual - expected).abs().max().item()
    assert error <= 1e-5 * expected.abs().max().item(), error


def test_folded_encoder_equals_the_bn_encoder_in_eval_mode() -> None:
    torch.manual_seed(0)
    with_bn = randomise_batch_norms(
        MODELS.build(dict(type='C3DEncoder', base_channels=4)))
    without_bn = MODELS.build(
        dict(type='C3DEncoder', base_channels=4, norm_cfg=None)).eval()
    folded = fold_batch_norms(with_bn.state_dict())
    without_bn.load_state_dict(folded, strict=True)
    assert not batch_norm_keys(folded)
    assert list(folded)[:2] == ['conv1a.conv.weight', 'conv1a.conv.bias']
    clips = torch.randn(2, 3, 16, 32, 32)
    with torch.no_grad():
        assert_close(without_bn(clips), with_bn(clips))


def test_stock_c3d_loads_every_folded_tensor_and_computes_the_same() -> None:
    torch.manual_seed(0)
    encoder = randomise_batch_norms(MODELS.build(dict(type='C3DEncoder')))
    stock = C3D().eval()  # MMAction2's C3D: norm_cfg=None, convs with bias
    result = stock.load_state_dict(
        fold_batch_norms(encoder.state_dict()), strict=False)
    assert result.unexpected_keys == []
    assert sorted(result.missing_keys) == [
        'fc6.bias', 'fc6.weight', 'fc7.bias', 'fc7.weight'
    ]
    clips = torch.randn(1, 3, 16, 16, 16)
    features = clips
    with torch.no_grad():
        for name in ('conv1a', 'pool1', 'conv2a', 'pool2', 'conv3a', 'conv3b',
                     'pool3', 'conv4a', 'conv4b', 'pool4', 'conv5a', 'conv5b'):
            features = getattr(stock, name)(features)
        assert_close(features, encoder(clips))


def test_an_existing_conv_bias_is_folded_too() -> None:
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='Unnecessary conv bias'):
        layer = ConvModule(
            3,
            6,
            3,
            padding=1,
            bias=True,
            conv_cfg=dict(type='Conv3d'),
            norm_cfg=dict(type='BN3d'),
            act_cfg=None)
    layer.conv.bias.data.normal_()
    randomise_batch_norms(layer)
    plain = ConvModule(
        3,
        6,
        3,
        padding=1,
        conv_cfg=dict(type='Conv3d'),
        norm_cfg=None,
        act_cfg=None).eval()
    plain.load_state_dict(fold_batch_norms(layer.state_dict(), eps=1e-5))
    clips = torch.randn(2, 3, 4, 8, 8)
    with torch.no_grad():
        assert_close(plain(clips), layer(clips))


def test_eps_is_the_one_given() -> None:
    layer = randomise_batch_norms(
        ConvModule(
            2,
            2,
            1,
            conv_cfg=dict(type='Conv3d'),
            norm_cfg=dict(type='BN3d', eps=0.5),
            act_cfg=None))
    state_dict = layer.state_dict()
    scale = layer.bn.weight / torch.sqrt(layer.bn.running_var + 0.5)
    folded = fold_batch_norms(state_dict, eps=0.5)['conv.weight']
    torch.testing.assert_close(
        folded.reshape(2, 2),
        (layer.conv.weight.reshape(2, 2) * scale[:, None]).detach())
    assert not torch.allclose(
        fold_batch_norms(state_dict)['conv.weight'], folded)


def test_factorised_convolutions_are_refused_naming_the_layers() -> None:
    state_dict = MODELS.build(R21D).state_dict()
    with pytest.raises(
            ValueError,
            match=r'cannot fold 24 of the 24 BatchNorm layers: '
            r'conv1.conv.bn_s is not the "bn" of a ConvModule .*; '
            r"no convolution 'conv1.conv.weight' precedes conv1.bn; .*"
            r'\.\.\. 19 more'):
        fold_batch_norms(state_dict)


def test_bn_in_front_of_its_conv_is_refused() -> None:
    layer = ConvModule(
        4,
        8,
        1,
        conv_cfg=dict(type='Conv3d'),
        norm_cfg=dict(type='BN3d'),
        order=('norm', 'conv', 'act'))
    with pytest.raises(
            ValueError,
            match=r'bn has 4 features but conv.weight has 8 output channels '
            r'\(is the BN in front of the conv\?\)'):
        fold_batch_norms(layer.state_dict())


def test_nothing_to_fold_is_an_error() -> None:
    state_dict = MODELS.build(
        dict(type='C3DEncoder', base_channels=4, norm_cfg=None)).state_dict()
    with pytest.raises(ValueError, match='no BatchNorm layer to fold'):
        fold_batch_norms(state_dict)
    assert no_bn_target_warning(state_dict) == ''


def test_warning_names_the_bn_keys_a_plain_target_drops() -> None:
    state_dict = MODELS.build(dict(type='C3DEncoder',
                                   base_channels=4)).state_dict()
    warning = no_bn_target_warning(state_dict)
    assert ('will not load the 40 BatchNorm tensors of this export '
            '(conv1a.bn.weight, conv1a.bn.bias, conv1a.bn.running_mean, '
            '... (40 in all))') in warning
    assert '--fold-bn' in warning
