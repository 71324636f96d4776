"""Readers and writers of dataset split files (official and MMAction2)."""
from .annotation_lists import (VideoReport, check_videos, hold_out_validation,
                               read_splits, unique_videos, write_dataset_lists)
from .hmdb51_splits import (find_hmdb51_classes, read_hmdb51_split,
                            read_hmdb51_split_file)
from .ucf101_splits import (convert_ucf101_splits, read_class_index,
                            read_mmaction_list, read_split_list,
                            read_ucf101_split, write_class_index,
                            write_mmaction_list, write_split_lists)

__all__ = [
    'VideoReport', 'check_videos', 'convert_ucf101_splits',
    'find_hmdb51_classes', 'hold_out_validation', 'read_class_index',
    'read_hmdb51_split', 'read_hmdb51_split_file', 'read_mmaction_list',
    'read_split_list', 'read_splits', 'read_ucf101_split', 'unique_videos',
    'write_class_index', 'write_dataset_lists', 'write_mmaction_list',
    'write_split_lists'
]
