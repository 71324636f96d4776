# The checkpoint hook of every finetuning config (the paper's recipe and the
# stock-recipe variants), kept in this one place: mmprp's kill-safe
# SafeCheckpointHook, a checkpoint every 10
# epochs (the last 2 kept, for --resume) and at the end, the best by
# validation loss (`cls/loss`, lowest: the authors' choice, the one to test)
# and the best by validation top-1 (`acc/top1`, highest). The validation
# videos are held out of the train list (800 UCF101 / 400 HMDB51), never the
# test list; tests/configs/test_checkpoint_selection.py checks every config.
# Used as `default_hooks = dict(checkpoint=dict(_base_.finetune_checkpoint,
# _delete_=True))`.
finetune_checkpoint = dict(
    type='SafeCheckpointHook',
    interval=10,
    max_keep_ckpts=2,
    save_best=['cls/loss', 'acc/top1'],
    rule=['less', 'greater'])
