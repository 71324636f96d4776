# PRP heads (paper §3.2): DG-P, the rate classifier and the decoder;
# pixels scaled to [0, 1], no mean/std (authors'). The encoder comes
# from prp_<encoder>.py. Initialisation: the authors' (torch 0.4.1
# defaults: convs, deconvs and linears U(+-1/sqrt(fan_in)), BN weight U(0, 1),
# bias 0) for the whole model, in place of each module's own (Kaiming convs,
# BN weight 1, N(0, 0.01) rate layer); `model.init_cfg=None` restores those.
# The heads' in_channels come from the prp_<encoder>.py model file: given
# there (512 for C3D, R3D, R(2+1)D), or inferred from the encoder's map with
# `model.input_size`.
# The protocol (rates, clip length, r, attention) is the data config's `prp`,
# which configs/prp/*.py give the model (`model.prp`): the rate head's classes
# and the decoder's r come from it; PRPDataPreprocessor builds the clip, the
# target and the motion attention from the sampled frames.
model = dict(
    type='SelfSupRecognizer',
    init_cfg=dict(type='TorchLegacyInit'),
    rate_head=dict(
        type='PRPHead',
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.1)),
    decoder=dict(
        type='MotionAttentionDecoder',
        loss=dict(type='MotionAttentionMSELoss', loss_weight=1.0)),
    data_preprocessor=dict(
        type='PRPDataPreprocessor',
        mean=[0., 0., 0.],
        std=[255., 255., 255.],
        format_shape='NCTHW'))
