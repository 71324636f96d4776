"""Dataset preparation: the official UCF101 and HMDB51 split files, the
MMAction2 and PRP annotation lists written from them, and the checks that
open every listed video as training does (``tools/data`` and
``tools/misc`` are their command lines).

Not imported by ``import mmprp``.
"""
from .annotation_lists import (DATASETS, HMDB51, UCF101, DatasetFormat,
                               hold_out_validation, read_splits, unique_videos,
                               write_dataset_lists)
from .hmdb51_splits import (find_hmdb51_classes, read_hmdb51_split,
                            read_hmdb51_split_file)
from .ucf101_splits import (convert_ucf101_splits, read_class_index,
                            read_mmaction_list, read_split_list,
                            read_ucf101_split, split_mmaction_list,
                            write_class_index, write_mmaction_list,
                            write_split_lists)
from .video_probe import VideoProbe, VideoProber
from .video_report import VideoReport, check_videos

__all__ = [
    'DATASETS', 'DatasetFormat', 'HMDB51', 'UCF101', 'VideoProbe',
    'VideoProber', 'VideoReport', 'check_videos', 'convert_ucf101_splits',
    'find_hmdb51_classes', 'hold_out_validation', 'read_class_index',
    'read_hmdb51_split', 'read_hmdb51_split_file', 'read_mmaction_list',
    'read_split_list', 'read_splits', 'read_ucf101_split',
    'split_mmaction_list', 'unique_videos', 'write_class_index',
    'write_dataset_lists', 'write_mmaction_list', 'write_split_lists'
]
