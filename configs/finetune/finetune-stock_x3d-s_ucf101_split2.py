# finetune-stock_x3d-s_ucf101_split1.py on the official UCF101 split 2:
# training on its train list less 800 held-out videos, validation (checkpoint
# selection) on those, testing on its official test list.
_base_ = ['./finetune-stock_x3d-s_ucf101_split1.py']
split = 2
train_dataloader = dict(
    dataset=dict(
        ann_file=f'data/ucf101/ucf101_prp_train_split_{split}_videos.txt'))
val_dataloader = dict(
    dataset=dict(
        ann_file=f'data/ucf101/ucf101_prp_val_split_{split}_videos.txt'))
test_dataloader = dict(
    dataset=dict(ann_file=f'data/ucf101/ucf101_val_split_{split}_videos.txt'))
