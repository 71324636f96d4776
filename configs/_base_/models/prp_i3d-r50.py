# PRP with MMAction2's stock I3D-R50 (encoders/i3d_r50.py, a 2048-channel
# map) and the heads of prp_heads.py, sized from the encoder: input_size is
# the clip of the data pipeline (16 frames, 112x112 crop), from which the
# model infers the heads' in_channels, plans the decoder's strides from the
# map to the 32x112x112 target and keeps the decoder's cost within the
# encoder's (docs/backbones.md). init_cfg=None: every module initialises
# itself, the backbone as in MMAction2's supervised recipes (the authors'
# torch 0.4.1 initialisation of prp_heads.py is for their C3D, R3D and
# R(2+1)D). decoder_flops_share=0.25 (default 0.75): I3D's encoder is cheap
# (8.5 GFLOPs per clip at 16x112x112) and the decoder's full-resolution
# stages run at fewer FLOP/s on a CPU; at the default widths a PRP step took
# 2.9x a supervised one, at these 1.6x (benchmarks/bench_train_step.py).
_base_ = ['./prp_heads.py', './encoders/i3d_r50.py']
model = dict(
    backbone=_base_.encoder,
    input_size=(16, 112, 112),
    decoder_flops_share=0.25,
    init_cfg=None)
