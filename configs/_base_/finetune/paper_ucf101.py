# The PRP authors' finetuning recipe (their ft_classfy.py / config.py; paper
# §4.3) on UCF101 split 1. The leaf config sets `model.backbone` (the
# pretrained encoder) and the dataset/split.
# - Model: encoder -> global average pool -> one linear layer (no dropout,
#   no fc6/fc7), MMAction2's I3DHead with dropout_ratio=0; the whole model
#   initialised as the authors' (torch 0.4.1 defaults, TorchLegacyInit):
#   the classifier keeps it, the encoder is replaced by load_from.
# - Training: batch 8, SGD lr 1e-3, momentum 0.9, weight decay 5e-4, no
#   gradient clipping, 160 epochs with the lr x0.1 at epoch 100 (the code's
#   numbers; the paper's text says 150 epochs). 16 consecutive frames from a
#   random start, resized to 128x171, RandomCrop 112, no flip, [0, 1] pixels.
# - Validation every epoch on the 800 videos held out of the train list
#   (ucf101_prp_val_split_N_videos.txt; training uses the rest,
#   ucf101_prp_train_split_N_videos.txt): one centre clip per video (the
#   authors' validation clips went through the training transforms; a
#   deterministic clip here), top-1 and cross-entropy (cls/loss);
#   checkpoints kept by lowest validation loss (the one to test) and best
#   validation top-1, as the authors kept both. Never the test list.
# - Test on the official test list: 10 clips of 16 frames per video (start
#   frames evenly spaced), centre crop 112, logits averaged, top-1/top-5.
# Load the PRP checkpoint with --cfg-options load_from=PRP_CHECKPOINT (its
# backbone.* weights load, the pretext heads are reported unused); without it
# this is the random-initialisation baseline.
_base_ = ['mmaction::_base_/default_runtime.py', './checkpoint_best_val.py']
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)

model = dict(
    type='Recognizer3DWithInit',
    cls_head=dict(
        type='I3DHead',
        num_classes=101,
        in_channels=512,
        spatial_type='avg',
        dropout_ratio=0.,
        average_clips='score'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[0., 0., 0.],
        std=[255., 255., 255.],
        format_shape='NCTHW'),
    init_cfg=dict(type='TorchLegacyInit'))

# MMAction2's VideoDataset that names the command writing a missing list and
# notes each entry's line (LabelRangeHook names the line of a bad label)
dataset_type = 'FinetuneVideoDataset'
data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_prp_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_prp_val_split_{split}_videos.txt'
ann_file_test = f'data/ucf101/ucf101_val_split_{split}_videos.txt'

# OpenCVInitByPath: opens each local video once, with OpenCV (frame count;
# truncated files raise an error naming them, where decord crashes on
# truncated AVIs opened from memory); OpenCVForwardDecode: DecordDecode's
# frames from that capture, but right on MPEG-4 AVIs with B-frames (decord's
# random access returns wrong frames there; many UCF101 files have them),
# each frame resized to 171x128 as soon as it is decoded (Resize's pixels;
# no sample holds its frames at full size). tools/reproduce_paper.py
# --from-authors sets its backend='pillow': the authors' PIL resampling.
train_pipeline = [
    dict(type='OpenCVInitByPath', io_backend='disk'),
    dict(type='SampleFrames', clip_len=16, frame_interval=1, num_clips=1),
    dict(type='OpenCVForwardDecode', scale=(171, 128), keep_ratio=False),
    dict(type='RandomCrop', size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='OpenCVInitByPath', io_backend='disk'),
    dict(
        type='SampleFrames',
        clip_len=16,
        frame_interval=1,
        num_clips=1,
        test_mode=True),
    dict(type='OpenCVForwardDecode', scale=(171, 128), keep_ratio=False),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    step if step['type'] != 'SampleFrames' else dict(step, num_clips=10)
    for step in val_pipeline
]

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))

# one clip per validation video: its logits' cross-entropy is the loss the
# authors select by
val_evaluator = [
    dict(type='AccMetric'),
    dict(type='ClassificationLossMetric', scores='logit')
]
test_evaluator = dict(type='AccMetric')

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=160, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[100], gamma=0.1)
]
default_hooks = _base_.finetune_default_hooks
# stop early if load_from holds another encoder's weights; refuse empty
# loaders (drop_last with a batch larger than the list) and labels beyond
# the classifier's classes; stop at the first NaN/inf loss
custom_hooks = [
    dict(type='CheckpointMatchHook'),
    dict(type='NonEmptyDataloaderHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='LabelRangeHook'),
]
# Batch 8 on one GPU in the authors' code; scale the LR linearly with the
# total batch when enabling this.
auto_scale_lr = dict(enable=False, base_batch_size=8)
# mmengine averages logged keys matching `mean_pattern` over past records;
# keep the validation loss `cls/loss` out (each epoch's own value).
log_processor = dict(
    mean_pattern=r'^(?!cls/).*(loss|time|data_time|grad_norm).*')
load_from = None
