# SlowOnly-R50 as MMAction2 ships it: the backbone of
# mmaction::recognition/slowonly/slowonly_r50_8xb16-4x16x1-256e_kinetics400-rgb.py
# (from mmaction::_base_/models/slowonly_r50.py, no ImageNet weights), so PRP
# weights load into the stock SlowOnly recognizer. A 3x16x112x112 clip gives
# 2048x16x4x4 (31.6 M params). tests/backbones/test_shipped_backbones.py
# checks it equals the stock one.
encoder = dict(
    type='ResNet3dSlowOnly',
    depth=50,
    pretrained=None,
    lateral=False,
    conv1_kernel=(1, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=1,
    inflate=(0, 0, 1, 1),
    norm_eval=False)
