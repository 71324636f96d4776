# Finetune a PRP-pretrained I3D-R50 (configs/prp/prp_i3d-r50_ucf101.py) on
# UCF101 split 1 with MMAction2's stock I3D-R50 recipe (32x2 frames,
# MultiScaleCrop 224 + flip, 100 epochs of SGD lr 0.01, x0.1 at epochs 40 and
# 80, 10 clips x 3 crops at test, scores averaged). Changed only what must
# match PRP or the data:
# - [0, 1] input scaling, as pretrained (the recipe normalises with
#   ImageNet's mean/std); no inflated ImageNet weights; 101 classes;
# - checkpoints are selected on videos held out of the train list (train on
#   ucf101_prp_train_split_N less those 800, select on
#   ucf101_prp_val_split_N by validation loss and top-1), never on the test
#   list, which the recipe validates on; the test list is only tested on;
# - videos are opened once, by path, with OpenCV (OpenCVInitByPath: decord
#   crashes on truncated AVIs opened from memory) and decoded from that
#   capture by OpenCVForwardDecode (DecordDecode's frames, but right on
#   MPEG-4 AVIs with B-frames, where decord's random access returns wrong
#   frames).
# PRP weights: --cfg-options load_from=work_dirs/prp_i3d-r50_ucf101/
# best_pretext_loss_epoch_N.pth (its backbone.* weights load, the head starts
# from scratch); without it: the random-initialisation baseline.
_base_ = [
    'mmaction::recognition/i3d/'
    'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
    '../_base_/finetune/checkpoint_best_val.py',
    '../_base_/finetune/local_decoding.py'
]
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)

model = dict(
    backbone=dict(pretrained=None),
    cls_head=dict(num_classes=101),
    data_preprocessor=dict(mean=[0., 0., 0.], std=[255., 255., 255.]))

split = 1
data_root = 'data/ucf101/videos'
train_pipeline, val_pipeline, test_pipeline = ([
    dict(step, type=_base_.local_decoding[step['type']])
    if step['type'] in _base_.local_decoding else step for step in pipeline
] for pipeline in (_base_.train_pipeline, _base_.val_pipeline,
                   _base_.test_pipeline))
train_dataloader = dict(
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_prp_train_split_{split}_videos.txt',
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_prp_val_split_{split}_videos.txt',
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline))
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
