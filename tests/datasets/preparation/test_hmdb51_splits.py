"""Tests of the official HMDB51 split files."""
import re
from pathlib import Path
from typing import Dict

import pytest

from mmprp.datasets.preparation import (find_hmdb51_classes, read_hmdb51_split,
                                        read_hmdb51_split_file)

# Official files: "<video> <id> " lines, with a trailing space.
SPLIT_1 = {
    'wave': 'w1.avi 1 \nw2.avi 2 \nw3.avi 0 \n',
    'brush_hair': 'b1.avi 2 \nb2.avi 1 \nb3.avi 1 \n',
    'climb_stairs': 'c1.avi 0 \r\nc2.avi 1 \r\n\r\nc3.avi 2 \r\n',
}


def _write_split(split_dir: Path, split: int, files: Dict[str, str]) -> None:
    """Write ``<class>_test_split<split>.txt`` for every class.

    Args:
        split_dir (Path): The folder, created if needed.
        split (int): The split number.
        files (dict[str, str]): Class name to file contents.
    """
    split_dir.mkdir(exist_ok=True)
    for name, text in files.items():
        (split_dir / f'{name}_test_split{split}.txt').write_text(
            text, newline='')


def test_classes_are_sorted_and_labels_are_their_index(tmp_path: Path) -> None:
    _write_split(tmp_path, 1, SPLIT_1)
    (tmp_path / 'readme.txt').write_text('not a split file')
    assert find_hmdb51_classes(tmp_path) == [
        'brush_hair', 'climb_stairs', 'wave'
    ]
    train, test, names = read_hmdb51_split(tmp_path, 1)
    assert names == ['brush_hair', 'climb_stairs', 'wave']
    assert train == [('brush_hair/b2.avi', 0), ('brush_hair/b3.avi', 0),
                     ('climb_stairs/c2.avi', 1), ('wave/w1.avi', 2)]
    assert test == [('brush_hair/b1.avi', 0), ('climb_stairs/c3.avi', 1),
                    ('wave/w2.avi', 2)]


def test_each_split_reads_its_own_files(tmp_path: Path) -> None:
    _write_split(tmp_path, 1, SPLIT_1)
    _write_split(tmp_path, 2, {name: 'x.avi 2\ny.avi 1\n' for name in SPLIT_1})
    train, test, _ = read_hmdb51_split(tmp_path, 2)
    assert train == [('brush_hair/y.avi', 0), ('climb_stairs/y.avi', 1),
                     ('wave/y.avi', 2)]
    assert test == [('brush_hair/x.avi', 0), ('climb_stairs/x.avi', 1),
                    ('wave/x.avi', 2)]


def test_read_split_file_keeps_every_id(tmp_path: Path) -> None:
    _write_split(tmp_path, 1, SPLIT_1)
    assert read_hmdb51_split_file(tmp_path / 'wave_test_split1.txt') == {
        'w1.avi': '1',
        'w2.avi': '2',
        'w3.avi': '0'
    }


@pytest.mark.parametrize('text, line, reason', [
    ('a.avi 1 \nb.avi\n', 2, 'expected "<video> <id>"'),
    ('a.avi 1 extra\n', 1, 'expected "<video> <id>"'),
    ('wave/a.avi 1\n', 1, 'expected "<video> <id>"'),
    ('a.avi 1\nb.avi 3\n', 2, 'id is not 0, 1 or 2'),
    ('a.avi train\n', 1, 'id is not 0, 1 or 2'),
    ('a.avi 1\nb.avi 2\na.avi 0\n', 3, 'video listed twice'),
])
def test_malformed_lines_name_file_line_and_text(tmp_path: Path, text: str,
                                                 line: int,
                                                 reason: str) -> None:
    _write_split(tmp_path, 1, {**SPLIT_1, 'wave': text})
    path = tmp_path / 'wave_test_split1.txt'
    with pytest.raises(ValueError) as info:
        read_hmdb51_split(tmp_path, 1)
    message = str(info.value)
    assert message.startswith(f'{path}, line {line}: {reason}')
    assert repr(text.splitlines()[line - 1].strip()) in message


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    _write_split(tmp_path, 1, {**SPLIT_1, 'wave': ' \n\n'})
    path = tmp_path / 'wave_test_split1.txt'
    with pytest.raises(ValueError, match=re.escape(f'{path}: empty file')):
        read_hmdb51_split(tmp_path, 1)


def test_class_missing_a_split_file_is_rejected(tmp_path: Path) -> None:
    _write_split(tmp_path, 1, SPLIT_1)
    _write_split(tmp_path, 2, {'wave': 'w1.avi 1\n'})
    path = tmp_path / 'brush_hair_test_split2.txt'
    with pytest.raises(ValueError, match=re.escape(f'{path}: missing')):
        read_hmdb51_split(tmp_path, 2)


def test_folder_without_split_files_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='_test_split<N>.txt'):
        read_hmdb51_split(tmp_path, 1)
