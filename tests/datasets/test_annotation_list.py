"""A missing annotation list is named with the command that writes it."""
import re

import pytest

from mmprp.datasets import (FinetuneVideoDataset, PRPVideoDataset,
                            RetrievalVideoDataset, require_annotation_list)

UCF101_COMMAND = (
    r'; write it \(with the other lists of ucf101\) with: python '
    r'tools/data/prepare_annotations.py ucf101 --split-dir '
    r'{root}/ucfTrainTestlist --video-dir {root}/videos --out-dir {root} '
    r'\(see tools/data/ucf101/README.md\)$')


@pytest.mark.parametrize(
    'build', [
        lambda ann_file: PRPVideoDataset(ann_file, pipeline=[]),
        lambda ann_file: FinetuneVideoDataset(ann_file, pipeline=[]),
        lambda ann_file: RetrievalVideoDataset(
            ann_file, query_ann_file=ann_file, pipeline=[]),
    ],
    ids=['prp', 'finetune', 'retrieval'])
def test_every_dataset_names_the_writer_of_a_ucf101_list(build,
                                                         tmp_path) -> None:
    ann_file = tmp_path / 'lists' / 'ucf101_prp_train_split_1_videos.txt'
    listed, root = re.escape(str(ann_file)), re.escape(str(ann_file.parent))
    with pytest.raises(
            FileNotFoundError,
            match=rf"^the annotation list ann_file '{listed}' does not exist"
            + UCF101_COMMAND.format(root=root)):
        build(str(ann_file))


def test_the_query_list_is_named_too(tmp_path) -> None:
    gallery = tmp_path / 'ucf101_train_split_3_videos.txt'
    gallery.write_text('a.avi 0\n')
    query = tmp_path / 'ucf101_val_split_3_videos.txt'
    with pytest.raises(
            FileNotFoundError,
            match=rf"query_ann_file '{re.escape(str(query))}' does not exist; "
            r'write it'):
        RetrievalVideoDataset(
            str(gallery), query_ann_file=str(query), pipeline=[])


def test_other_lists_are_named_without_a_command(tmp_path) -> None:
    ann_file = tmp_path / 'kinetics400_train_list_videos.txt'
    listed = re.escape(str(ann_file))
    with pytest.raises(
            FileNotFoundError,
            match=rf"^the annotation list ann_file '{listed}' does not "
            r'exist$'):
        require_annotation_list(str(ann_file))
    require_annotation_list(__file__)
