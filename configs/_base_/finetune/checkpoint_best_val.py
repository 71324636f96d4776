# The checkpoint hook of every finetuning config (the paper's recipe and the
# stock-recipe variants), kept in this one place: mmprp's kill-safe
# SafeCheckpointHook, a checkpoint every 10
# epochs (the last 2 kept, for --resume) and at the end, the best by
# validation loss (`cls/loss`, lowest: the authors' choice, the one to test)
# and the best by validation top-1 (`acc/top1`, highest). The validation
# videos are held out of the train list (800 UCF101 / 400 HMDB51), never the
# test list; tests/configs/test_checkpoint_selection.py checks every config.
# With it, PlainCheckpointHook: every checkpoint holds plain data only (no
# HistoryBuffer, no numpy, e.g. AccMetric's best score), so that MMAction2
# without mmprp loads it with torch's weights-only unpickler; --resume
# rebuilds the message hub from it. Used as
# `default_hooks = _base_.finetune_default_hooks` (mmengine refuses a key that
# two `_base_` files both define, so this file defines no `default_hooks`).
finetune_checkpoint = dict(
    type='SafeCheckpointHook',
    interval=10,
    max_keep_ckpts=2,
    save_best=['cls/loss', 'acc/top1'],
    rule=['less', 'greater'])
finetune_default_hooks = dict(
    checkpoint=dict(finetune_checkpoint, _delete_=True),
    plain_checkpoint=dict(type='PlainCheckpointHook'))
