"""Tests of RetrievalVideoDataset."""
from pathlib import Path

import numpy as np
import pytest
from mmaction.registry import DATASETS

from mmprp.datasets import RetrievalVideoDataset


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    """A gallery list of 3 videos and a query list of 2 in ``tmp_path``."""
    (tmp_path / 'train.txt'
     ).write_text('a/v_a_g01.avi 0\nb/v_b_g01.avi 1\nb/v_b_g02.avi 1\n')
    (tmp_path / 'test.txt').write_text('a/v_a_g08.avi 0\nc/v_c_g08.avi 2\n')
    return tmp_path


def test_gallery_then_queries(lists: Path) -> None:
    dataset = DATASETS.build(
        dict(
            type='RetrievalVideoDataset',
            ann_file=str(lists / 'train.txt'),
            query_ann_file=str(lists / 'test.txt'),
            data_prefix=dict(video='/videos'),
            pipeline=[]))
    assert isinstance(dataset, RetrievalVideoDataset)
    assert dataset.test_mode
    infos = [dataset[idx] for idx in range(len(dataset))]
    assert [info['filename'] for info in infos] == [
        '/videos/a/v_a_g01.avi', '/videos/b/v_b_g01.avi',
        '/videos/b/v_b_g02.avi', '/videos/a/v_a_g08.avi',
        '/videos/c/v_c_g08.avi'
    ]
    assert [info['label'] for info in infos] == [0, 1, 1, 0, 2]
    assert [info['is_query']
            for info in infos] == [False, False, False, True, True]
    assert dataset.ann_file == str(lists / 'train.txt')


def test_lists_relative_to_data_root(lists: Path) -> None:
    dataset = RetrievalVideoDataset(
        ann_file='train.txt',
        query_ann_file='test.txt',
        data_root=str(lists),
        data_prefix=dict(video='videos'),
        pipeline=[])
    assert dataset.query_ann_file == str(lists / 'test.txt')
    assert dataset[3]['filename'] == str(lists / 'videos/a/v_a_g08.avi')


def test_packs_is_query(lists: Path) -> None:
    dataset = RetrievalVideoDataset(
        ann_file=str(lists / 'train.txt'),
        query_ann_file=str(lists / 'test.txt'),
        pipeline=[
            lambda results: dict(results, imgs=np.zeros((1, 1, 2, 2, 3))),
            dict(type='PackActionInputs', algorithm_keys=('is_query', )),
        ])
    gallery, query = dataset[0]['data_samples'], dataset[4]['data_samples']
    assert (gallery.is_query, query.is_query) == (False, True)
    assert query.gt_label.tolist() == [2]


def test_missing_query_list(lists: Path) -> None:
    with pytest.raises(
            FileNotFoundError, match=r"query_ann_file '.*missing\.txt'"):
        RetrievalVideoDataset(
            ann_file=str(lists / 'train.txt'),
            query_ann_file=str(lists / 'missing.txt'),
            pipeline=[])


def test_empty_query_list(lists: Path) -> None:
    (lists / 'empty.txt').write_text('')
    with pytest.raises(ValueError, match=r"query_ann_file '.*empty\.txt'"):
        RetrievalVideoDataset(
            ann_file=str(lists / 'train.txt'),
            query_ann_file=str(lists / 'empty.txt'),
            pipeline=[])
