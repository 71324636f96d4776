# r3d_ucf101_split1.py on UCF101 split 2.
_base_ = ['./retrieval_r3d_ucf101_split1.py']
split = 2
test_dataloader = dict(
    dataset=dict(
        ann_file=f'data/ucf101/ucf101_train_split_{split}_videos.txt',
        query_ann_file=f'data/ucf101/ucf101_val_split_{split}_videos.txt',
        data_prefix=dict(video='data/ucf101/videos')))
