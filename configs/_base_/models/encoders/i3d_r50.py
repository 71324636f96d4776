# I3D-R50 as MMAction2 ships it: the backbone of
# mmaction::recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py
# (from mmaction::_base_/models/i3d_r50.py) without the inflated ImageNet
# weights (pretrained=None: nothing is downloaded), so PRP weights load into
# the stock I3D recognizer. A 3x16x112x112 clip gives 2048x2x4x4 (27.2 M
# params). tests/backbones/test_shipped_backbones.py checks it equals the
# stock one.
encoder = dict(
    type='ResNet3d',
    pretrained2d=True,
    pretrained=None,
    depth=50,
    conv1_kernel=(5, 7, 7),
    conv1_stride_t=2,
    pool1_stride_t=2,
    conv_cfg=dict(type='Conv3d'),
    norm_eval=False,
    inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
    zero_init_residual=False)
