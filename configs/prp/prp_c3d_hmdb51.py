# PRP pretraining of the C3D encoder on HMDB51 split 1 (paper §4.1 and the
# authors' code): discriminative + generative perception, rates (1, 2, 4, 8),
# r = 2, sparse motion attention, batch 8, 300 epochs, best checkpoint by
# validation loss.
_base_ = [
    '../_base_/models/prp_c3d.py', '../_base_/datasets/prp_hmdb51.py',
    '../_base_/schedules/prp_sgd_300e.py'
]
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)
# the data's protocol (_base_/datasets/prp_ucf101.py) for the model too
model = dict(prp=_base_.prp)
