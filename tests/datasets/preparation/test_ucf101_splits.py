"""Tests of the official UCF101 split files and MMAction2 lists."""
import re
from pathlib import Path

import pytest

from mmprp.datasets.preparation import (convert_ucf101_splits,
                                        read_class_index, read_split_list,
                                        split_mmaction_list, write_class_index,
                                        write_mmaction_list, write_split_lists)

CLASS_IND = '1 ApplyEyeMakeup\r\n2 ApplyLipstick\r\n3 Archery\r\n'
TRAIN_LIST = ('ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\r\n'
              'ApplyLipstick/v_ApplyLipstick_g08_c02.avi 2\r\n'
              '\r\n'
              'Archery/v_Archery_g09_c03.avi 3\r\n')
TEST_LIST = ('ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi\r\n'
             'Archery/v_Archery_g01_c01.avi\r\n')
CLASS_INDEX = {'ApplyEyeMakeup': 0, 'ApplyLipstick': 1, 'Archery': 2}


def _write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``.

    Args:
        path (Path): The file.
        text (str): Its contents.

    Returns:
        Path: ``path``.
    """
    path.write_text(text, newline='')
    return path


def _official_splits(split_dir: Path) -> Path:
    """Write official ``classInd.txt`` and split 1 files.

    Args:
        split_dir (Path): The folder to create.

    Returns:
        Path: ``split_dir``.
    """
    split_dir.mkdir()
    _write(split_dir / 'classInd.txt', CLASS_IND)
    _write(split_dir / 'trainlist01.txt', TRAIN_LIST)
    _write(split_dir / 'testlist01.txt', TEST_LIST)
    return split_dir


def test_read_class_index_is_zero_based(tmp_path: Path) -> None:
    path = _write(tmp_path / 'classInd.txt', CLASS_IND)
    assert read_class_index(path) == CLASS_INDEX


def test_read_split_list_with_and_without_labels(tmp_path: Path) -> None:
    train = read_split_list(
        _write(tmp_path / 'train.txt', TRAIN_LIST), CLASS_INDEX)
    test = read_split_list(
        _write(tmp_path / 'test.txt', TEST_LIST), CLASS_INDEX)
    assert train == [('ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi', 0),
                     ('ApplyLipstick/v_ApplyLipstick_g08_c02.avi', 1),
                     ('Archery/v_Archery_g09_c03.avi', 2)]
    assert test == [('ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi', 0),
                    ('Archery/v_Archery_g01_c01.avi', 2)]


def _read_train_list(path: Path) -> list:
    """Read a split list against :data:`CLASS_INDEX`.

    Args:
        path (Path): The file.

    Returns:
        list[tuple[str, int]]: The entries.
    """
    return read_split_list(path, CLASS_INDEX)


@pytest.mark.parametrize('reader, text, line, reason', [
    (read_class_index, '1 ApplyEyeMakeup\n2\n', 2,
     'expected "<label> <class>"'),
    (read_class_index, '1 ApplyEyeMakeup\n2\tApply  Lipstick\n', 2,
     'expected'),
    (read_class_index, 'one ApplyEyeMakeup\n', 1, 'not an integer'),
    (read_class_index, '0 ApplyEyeMakeup\n', 1, 'labels start at 1'),
    (read_class_index, '1 ApplyEyeMakeup\n1 Archery\n', 2, 'repeated'),
    (read_class_index, '1 ApplyEyeMakeup\n2 ApplyEyeMakeup\n', 2, 'repeated'),
    (_read_train_list, 'Archery/v_Archery_g01_c01.avi 3 extra\n', 1,
     'expected'),
    (_read_train_list, 'Archery/v_Archery_g01_c01.avi three\n', 1,
     'not an integer'),
    (_read_train_list, 'Archery/v_Archery_g01_c01.avi 2\n', 1,
     'disagrees with class Archery'),
    (_read_train_list,
     'Archery/v_Archery_g01_c01.avi\nBowling/v_Bowling_g01_c01.avi\n', 2,
     'unknown class'),
    (_read_train_list, 'v_Archery_g01_c01.avi\n', 1, 'unknown class'),
])
def test_malformed_lines_name_file_line_and_text(tmp_path: Path, reader,
                                                 text: str, line: int,
                                                 reason: str) -> None:
    path = _write(tmp_path / 'list.txt', text)
    offending = text.splitlines()[line - 1]
    with pytest.raises(ValueError) as info:
        reader(path)
    message = str(info.value)
    assert message.startswith(f'{path}, line {line}: ')
    assert reason in message and repr(offending) in message


@pytest.mark.parametrize('reader', [read_class_index, _read_train_list])
def test_empty_files_are_rejected(tmp_path: Path, reader) -> None:
    path = _write(tmp_path / 'empty.txt', '\n  \n')
    with pytest.raises(ValueError, match=re.escape(f'{path}: empty file')):
        reader(path)


def test_writers_round_trip_official_format(tmp_path: Path) -> None:
    names = ['ApplyEyeMakeup', 'ApplyLipstick', 'Archery']
    train = [('Archery/v_Archery_g08_c01.avi', 2)]
    test = [('ApplyLipstick/v_ApplyLipstick_g01_c02.avi', 1)]
    class_file = write_class_index(tmp_path / 'lists' / 'classInd.txt', names)
    train_file, test_file = write_split_lists(tmp_path / 'lists', 2, train,
                                              test)
    assert class_file.read_text() == CLASS_IND.replace('\r', '')
    assert train_file.name == 'trainlist02.txt'
    assert train_file.read_text() == 'Archery/v_Archery_g08_c01.avi 3\n'
    assert test_file.name == 'testlist02.txt'
    assert test_file.read_text() == (
        'ApplyLipstick/v_ApplyLipstick_g01_c02.avi\n')
    class_index = read_class_index(class_file)
    assert read_split_list(train_file, class_index) == train
    assert read_split_list(test_file, class_index) == test


def test_write_mmaction_list(tmp_path: Path) -> None:
    path = write_mmaction_list(tmp_path / 'out' / 'list.txt',
                               [('Archery/a.avi', 2),
                                ('ApplyLipstick/b.avi', 1)])
    assert path.read_text() == 'Archery/a.avi 2\nApplyLipstick/b.avi 1\n'


def test_split_mmaction_list_keeps_the_order(tmp_path: Path) -> None:
    source = write_mmaction_list(tmp_path / 'all.txt', [('A/a1.avi', 0),
                                                        ('B/b1.avi', 1),
                                                        ('A/a2.avi', 0),
                                                        ('C/c1.avi', 2)])
    first, second = split_mmaction_list(
        source, lambda entry: entry[1] > 0,
        [tmp_path / 'out' / 'first.txt', tmp_path / 'second.txt'])
    assert first == tmp_path / 'out' / 'first.txt'
    assert first.read_text() == 'A/a1.avi 0\nA/a2.avi 0\n'
    assert second.read_text() == 'B/b1.avi 1\nC/c1.avi 2\n'


def test_convert_ucf101_splits(tmp_path: Path) -> None:
    split_dir = _official_splits(tmp_path / 'ucfTrainTestlist')
    written = convert_ucf101_splits(split_dir, tmp_path / 'ann', splits=[1])
    assert [path.name for path in written] == [
        'ucf101_train_split_1_videos.txt', 'ucf101_val_split_1_videos.txt'
    ]
    assert written[0].read_text() == (
        'ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 0\n'
        'ApplyLipstick/v_ApplyLipstick_g08_c02.avi 1\n'
        'Archery/v_Archery_g09_c03.avi 2\n')
    assert written[1].read_text() == (
        'ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi 0\n'
        'Archery/v_Archery_g01_c01.avi 2\n')


def test_convert_ucf101_splits_names_missing_split(tmp_path: Path) -> None:
    split_dir = _official_splits(tmp_path / 'ucfTrainTestlist')
    with pytest.raises(FileNotFoundError, match='trainlist02.txt'):
        convert_ucf101_splits(split_dir, tmp_path / 'ann', splits=[1, 2])
