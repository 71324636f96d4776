# Video retrieval on UCF101 split 1 with the encoder of encoders/r21d18.py; see
# _base_/retrieval/ucf101.py. A PRP checkpoint (its backbone.* weights) or a
# random-initialisation checkpoint (tools/random_init_checkpoint.py) is given
# to tools/test.py.
_base_ = [
    '../_base_/retrieval/ucf101.py', '../_base_/models/encoders/r21d18.py'
]
model = dict(backbone=_base_.encoder)
