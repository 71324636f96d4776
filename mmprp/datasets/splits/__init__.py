"""Readers and writers of dataset split files (official and MMAction2)."""
from .ucf101 import (convert_ucf101_splits, read_class_index, read_split_list,
                     write_class_index, write_mmaction_list, write_split_lists)

__all__ = [
    'convert_ucf101_splits', 'read_class_index', 'read_split_list',
    'write_class_index', 'write_mmaction_list', 'write_split_lists'
]
