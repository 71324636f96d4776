"""The official HMDB51 split files.

The official ``testTrainMulti_7030_splits`` folder holds, for every class and
each of the splits 1-3, ``<class>_test_split<N>.txt`` with one
``"<video>.avi <id>"`` line per video of the class (often with a trailing
space): id 1 puts the video in the train list of split N, 2 in its test list
and 0 in neither.

As in MMAction2, a video's path is ``<class>/<video>.avi`` and its label is
the 0-based index of its class among the class names sorted alphabetically.
"""
import re
from pathlib import Path
from typing import Dict, List

from .ucf101_splits import (Entry, OfficialSplit, PathLike, _malformed,
                            _read_lines)

SPLIT_FILE = '{}_test_split{}.txt'
SPLIT_FILE_PATTERN = re.compile(r'(?P<name>.+)_test_split\d+\.txt')
TRAIN_ID, TEST_ID, UNUSED_ID = '1', '2', '0'


def find_hmdb51_classes(split_dir: PathLike) -> List[str]:
    """List the classes that have split files, sorted alphabetically.

    Args:
        split_dir (str | Path): The official ``testTrainMulti_7030_splits``
            folder.

    Returns:
        list[str]: The class names; the i-th has 0-based label i.

    Raises:
        FileNotFoundError: If the folder holds no
            ``<class>_test_split<N>.txt`` file.
    """
    matches = (
        SPLIT_FILE_PATTERN.fullmatch(path.name)
        for path in Path(split_dir).iterdir())
    names = sorted({match['name'] for match in matches if match})
    if not names:
        raise FileNotFoundError(
            f'{split_dir}: no {SPLIT_FILE.format("<class>", "<N>")} files')
    return names


def read_hmdb51_split_file(path: PathLike) -> Dict[str, str]:
    """Read one official ``<class>_test_split<N>.txt``.

    Args:
        path (str | Path): The file, ``"<video> <id>"`` lines.

    Returns:
        dict[str, str]: Video file name to its id, ``'1'`` (train), ``'2'``
        (test) or ``'0'`` (unused), in file order.

    Raises:
        ValueError: On an empty file, a line without exactly two fields, a
            video name with a ``/``, an id other than 0, 1 or 2, or a video
            listed twice.
    """
    ids: Dict[str, str] = {}
    for lineno, text in _read_lines(path):
        fields = text.split()
        if len(fields) != 2 or '/' in fields[0]:
            raise _malformed(path, lineno, text, 'expected "<video> <id>"')
        video, split_id = fields
        if split_id not in (TRAIN_ID, TEST_ID, UNUSED_ID):
            raise _malformed(path, lineno, text, 'id is not 0, 1 or 2')
        if video in ids:
            raise _malformed(path, lineno, text, 'video listed twice')
        ids[video] = split_id
    return ids


def read_hmdb51_split(split_dir: PathLike, split: int) -> OfficialSplit:
    """Read one official HMDB51 split.

    Args:
        split_dir (str | Path): The official ``testTrainMulti_7030_splits``
            folder.
        split (int): The split number, 1 for ``<class>_test_split1.txt``.

    Returns:
        tuple[list, list, list[str]]: The train and the test entries as
        ``(<class>/<video>, 0-based label)``, class by class in label order
        and in file order within a class, and the class names by 0-based
        label.

    Raises:
        FileNotFoundError: If the folder holds no split file.
        ValueError: If a class found in the folder has no file for
            ``split``, or a file is malformed (see
            :func:`read_hmdb51_split_file`).
    """
    split_dir = Path(split_dir)
    class_names = find_hmdb51_classes(split_dir)
    lists: Dict[str, List[Entry]] = {TRAIN_ID: [], TEST_ID: []}
    for label, name in enumerate(class_names):
        path = split_dir / SPLIT_FILE.format(name, split)
        if not path.is_file():
            raise ValueError(f'{path}: missing, class {name} has split files '
                             f'for other splits only')
        for video, split_id in read_hmdb51_split_file(path).items():
            if split_id in lists:
                lists[split_id].append((f'{name}/{video}', label))
    return lists[TRAIN_ID], lists[TEST_ID], class_names
