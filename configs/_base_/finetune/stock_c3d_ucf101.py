# MMAction2's stock C3D recipe for UCF101 split 1 (the only UCF101 recipe it
# ships), with its videos opened by path: every DecordInit step becomes
# mmprp's DecordInitByPath (decord crashes the process on truncated AVIs
# opened from memory, which is how DecordInit opens them; DecordInitByPath
# refuses truncated files with an error naming them instead).
_base_ = [
    'mmaction::recognition/c3d/'
    'c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py'
]
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)


def by_path(pipeline):
    """The pipeline with each DecordInit step replaced by DecordInitByPath."""
    return [
        dict(step, type='DecordInitByPath')
        if step['type'] == 'DecordInit' else step for step in pipeline
    ]


train_pipeline = by_path(_base_.train_pipeline)
val_pipeline = by_path(_base_.val_pipeline)
test_pipeline = by_path(_base_.test_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# a kill during a checkpoint save loses no checkpoint
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
# stop early if load_from holds another encoder's weights
custom_hooks = [dict(type='CheckpointMatchHook')]
