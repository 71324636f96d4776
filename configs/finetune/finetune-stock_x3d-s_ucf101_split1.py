# Finetune a PRP-pretrained X3D-S (configs/prp/prp_x3d-s_ucf101.py) on
# UCF101 split 1 with MMAction2's stock X3D-S config (13x6 frames at 30 fps,
# short side 182, 10 clips x 3 crops at test, scores averaged). MMAction2
# ships X3D for testing only (weights converted from the X3D authors'), so
# the training part is added here, from MMAction2's other stock 3D-CNN
# recipes at X3D-S's sampling and size: RandomResizedCrop 182 + flip as in
# the SlowOnly-R50 recipe, one centre 182 crop for validation, and the
# schedule of the I3D-R50 recipe (mmaction::_base_/schedules/sgd_100e.py:
# 100 epochs of SGD lr 0.01, momentum 0.9, weight decay 1e-4, x0.1 at epochs
# 40 and 80, gradients clipped at norm 40) at batch 8. Changed otherwise
# only what must match PRP or the data:
# - [0, 1] input scaling, as pretrained (the config normalises with
#   mean 114.75, std 57.38); 101 classes;
# - checkpoints are selected on videos held out of the train list (train on
#   ucf101_prp_train_split_N less those 800, select on
#   ucf101_prp_val_split_N by validation loss and top-1); the test list is
#   only tested on;
# - videos are opened once, by path, with OpenCV (OpenCVInitByPath: decord
#   crashes on truncated AVIs opened from memory) and decoded from that
#   capture by OpenCVForwardDecode (DecordDecode's frames, but right on
#   MPEG-4 AVIs with B-frames, where decord's random access returns wrong
#   frames).
# PRP weights: --cfg-options load_from=work_dirs/prp_x3d-s_ucf101/
# best_pretext_loss_epoch_N.pth (its backbone.* weights load, the head starts
# from scratch); without it: the random-initialisation baseline.
_base_ = [
    'mmaction::recognition/x3d/x3d_s_13x6x1_facebook-kinetics400-rgb.py',
    '../_base_/finetune/checkpoint_best_val.py',
    '../_base_/finetune/local_decoding.py'
]
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)

model = dict(
    cls_head=dict(num_classes=101),
    data_preprocessor=dict(mean=[0., 0., 0.], std=[255., 255., 255.]))

split = 1
data_root = 'data/ucf101/videos'
sampling = dict(
    type='SampleFrames',
    clip_len=13,
    frame_interval=6,
    num_clips=1,
    target_fps=30)
train_pipeline = [
    dict(type='OpenCVInitByPath'), sampling,
    dict(type='OpenCVForwardDecode'),
    dict(type='Resize', scale=(-1, 182)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(182, 182), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='OpenCVInitByPath'),
    dict(sampling, test_mode=True),
    dict(type='OpenCVForwardDecode'),
    dict(type='Resize', scale=(-1, 182)),
    dict(type='CenterCrop', crop_size=182),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(step, type=_base_.local_decoding[step['type']])
    if step['type'] in _base_.local_decoding else step
    for step in _base_.test_pipeline
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_prp_train_split_{split}_videos.txt',
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_prp_val_split_{split}_videos.txt',
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_val_split_{split}_videos.txt',
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline))
# the head averages softmax probabilities (average_clips='prob'); one clip
# per validation video, so cls/loss is the training cross-entropy
val_evaluator = [
    dict(type='AccMetric'),
    dict(type='ClassificationLossMetric', scores='prob')
]
test_evaluator = dict(type='AccMetric')

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=100,
        by_epoch=True,
        milestones=[40, 80],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
# batch 8 on each of 8 GPUs; scale the LR linearly with the total batch
auto_scale_lr = dict(enable=False, base_batch_size=64)

default_hooks = _base_.finetune_default_hooks
# keep the validation loss `cls/loss` out of mmengine's log smoothing
log_processor = dict(
    mean_pattern=r'^(?!cls/).*(loss|time|data_time|grad_norm).*')
# stop early if load_from holds another encoder's weights; refuse empty
# loaders (drop_last with a batch larger than the list) and labels beyond
# the classifier's classes; stop at the first NaN/inf loss
custom_hooks = [
    dict(type='CheckpointMatchHook'),
    dict(type='NonEmptyDataloaderHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='LabelRangeHook'),
]
load_from = None
