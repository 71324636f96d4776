# MMAction2's stock C3D recipe for UCF101 split 1 (the only UCF101 recipe it
# ships; the stock-recipe alternative to the paper's paper_ucf101.py), with
# three changes that concern the data, not the recipe:
# - checkpoints are selected on videos held out of the train list, never on
#   the test list: MMAction2's recipe validates on the official test list
#   (its `ucf101_val_split_N` list) and keeps the best test accuracy. Here it
#   trains on ucf101_prp_train_split_N (the train list less 800 videos),
#   validates on those 800 (ucf101_prp_val_split_N) and keeps the best by
#   validation loss and by validation top-1 (checkpoint_best_val.py); the
#   test list is only tested on;
# - videos are opened once, by path, with OpenCV: every DecordInit step
#   becomes mmprp's OpenCVInitByPath (decord crashes the process on
#   truncated AVIs opened from memory, which is how DecordInit opens them;
#   OpenCVInitByPath refuses truncated files with an error naming them
#   instead), and every DecordDecode step mmprp's OpenCVForwardDecode
#   (DecordDecode's frames, decoded from that capture, but right on MPEG-4
#   AVIs with B-frames, where decord's random access returns wrong frames);
# - the lists are read by mmprp's FinetuneVideoDataset: VideoDataset naming
#   the command that writes a missing list, each entry's line noted for
#   LabelRangeHook.
_base_ = [
    'mmaction::recognition/c3d/'
    'c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py',
    './checkpoint_best_val.py', './local_decoding.py'
]
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)


def by_path(pipeline):
    """The pipeline with mmprp's steps for local files (see above)."""
    return [
        dict(step, type=_base_.local_decoding[step['type']])
        if step['type'] in _base_.local_decoding else step for step in pipeline
    ]


split = 1
train_pipeline = by_path(_base_.train_pipeline)
val_pipeline = by_path(_base_.val_pipeline)
test_pipeline = by_path(_base_.test_pipeline)
train_dataloader = dict(
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_prp_train_split_{split}_videos.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_prp_val_split_{split}_videos.txt',
        pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(
        type='FinetuneVideoDataset',
        ann_file=f'data/ucf101/ucf101_val_split_{split}_videos.txt',
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
