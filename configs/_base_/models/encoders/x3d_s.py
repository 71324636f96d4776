# X3D-S as MMAction2 ships it: the backbone of
# mmaction::recognition/x3d/x3d_s_13x6x1_facebook-kinetics400-rgb.py (from
# mmaction::_base_/models/x3d.py), so PRP weights load into the stock X3D
# recognizer. A 3x16x112x112 clip gives 432x16x4x4 (2.0 M params).
# tests/backbones/test_shipped_backbones.py checks it equals the stock one.
encoder = dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2)
