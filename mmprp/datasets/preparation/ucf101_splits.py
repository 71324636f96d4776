"""The official UCF101 split files and MMAction2's annotation lists.

The official ``ucfTrainTestlist`` folder holds:

* ``classInd.txt``: ``"1 ApplyEyeMakeup"`` per line, 1-based labels;
* ``trainlist0N.txt``: ``"ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1"``;
* ``testlist0N.txt``: ``"ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi"``.

MMAction2's ``VideoDataset`` reads ``"<relative path> <label>"`` lines with
0-based labels, from files named ``ucf101_{train,val}_split_{k}_videos.txt``.
Every label this module returns or takes is 0-based.
"""
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

from mmprp.utils.typing_utils import PathLike

Entry = Tuple[str, int]
# The train entries, the test entries and the class names of a split.
OfficialSplit = Tuple[List[Entry], List[Entry], List[str]]

CLASS_INDEX_FILE = 'classInd.txt'
TRAIN_LIST = 'trainlist{:02d}.txt'
TEST_LIST = 'testlist{:02d}.txt'
MMACTION_TRAIN_LIST = 'ucf101_train_split_{}_videos.txt'
MMACTION_VAL_LIST = 'ucf101_val_split_{}_videos.txt'


def _malformed(path: PathLike, lineno: int, line: str,
               reason: str) -> ValueError:
    """Build the error for a bad line of a split file.

    Args:
        path (str | Path): The file.
        lineno (int): The 1-based line number.
        line (str): The offending text.
        reason (str): What is wrong with it.

    Returns:
        ValueError: The error, naming file, line number and text.
    """
    return ValueError(f'{path}, line {lineno}: {reason}: {line!r}')


def _read_lines(path: PathLike) -> List[Tuple[int, str]]:
    """Read the non-blank lines of a split file.

    Args:
        path (str | Path): The file.

    Returns:
        list[tuple[int, str]]: ``(1-based line number, stripped line)``.

    Raises:
        ValueError: If the file has no non-blank line.
    """
    lines = [(lineno, line.strip()) for lineno, line in enumerate(
        Path(path).read_text().splitlines(), start=1) if line.strip()]
    if not lines:
        raise ValueError(f'{path}: empty file')
    return lines


def _parse_label(path: PathLike, lineno: int, line: str, field: str) -> int:
    """Parse a 1-based label field.

    Args:
        path (str | Path): The file, for the error message.
        lineno (int): The 1-based line number, for the error message.
        line (str): The whole line, for the error message.
        field (str): The label field.

    Returns:
        int: The 1-based label.

    Raises:
        ValueError: If the field is not an integer of at least 1.
    """
    try:
        label = int(field)
    except ValueError:
        raise _malformed(path, lineno, line,
                         'label is not an integer') from None
    if label < 1:
        raise _malformed(path, lineno, line, 'labels start at 1')
    return label


def read_class_index(path: PathLike) -> Dict[str, int]:
    """Read an official ``classInd.txt``.

    Args:
        path (str | Path): The file, ``"<1-based label> <ClassName>"`` lines.

    Returns:
        dict[str, int]: Class name to 0-based label.

    Raises:
        ValueError: On an empty file, a line without exactly two fields, a
            label that is not an integer of at least 1, or a repeated class
            name or label.
    """
    class_index: Dict[str, int] = {}
    for lineno, text in _read_lines(path):
        fields = text.split()
        if len(fields) != 2:
            raise _malformed(path, lineno, text, 'expected "<label> <class>"')
        label = _parse_label(path, lineno, text, fields[0]) - 1
        name = fields[1]
        if name in class_index or label in class_index.values():
            raise _malformed(path, lineno, text, 'repeated class or label')
        class_index[name] = label
    return class_index


def read_split_list(path: PathLike, class_index: Dict[str,
                                                      int]) -> List[Entry]:
    """Read an official ``trainlist0N.txt`` or ``testlist0N.txt``.

    The label of a line comes from the class folder of its video path; where
    the line also carries a (1-based) label, the two must agree.

    Args:
        path (str | Path): The file, ``"<Class>/<video> [<1-based label>]"``
            lines.
        class_index (dict[str, int]): Class name to 0-based label, as
            returned by :func:`read_class_index`.

    Returns:
        list[tuple[str, int]]: ``(relative video path, 0-based label)``.

    Raises:
        ValueError: On an empty file, a line with neither one nor two
            fields, a non-integer label, a class folder missing from
            ``class_index``, or a label that disagrees with the folder.
    """
    entries = []
    for lineno, text in _read_lines(path):
        fields = text.split()
        if len(fields) not in (1, 2):
            raise _malformed(path, lineno, text,
                             'expected "<Class>/<video> [<label>]"')
        video = fields[0]
        class_name = video.split('/', 1)[0]
        if '/' not in video or class_name not in class_index:
            raise _malformed(path, lineno, text, 'unknown class')
        label = class_index[class_name]
        if len(fields) == 2 and _parse_label(path, lineno, text,
                                             fields[1]) != label + 1:
            raise _malformed(
                path, lineno, text, f'label disagrees with class {class_name} '
                f'({label + 1} in the class index)')
        entries.append((video, label))
    return entries


def _write_lines(path: PathLike, lines: Iterable[str]) -> Path:
    """Write text lines, creating the parent folder.

    Args:
        path (str | Path): The file.
        lines (Iterable[str]): The lines, without line ends.

    Returns:
        Path: The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(f'{line}\n' for line in lines))
    return path


def write_class_index(path: PathLike, class_names: Sequence[str]) -> Path:
    """Write an official ``classInd.txt``.

    Args:
        path (str | Path): The file.
        class_names (Sequence[str]): Class names; the i-th gets 0-based
            label i (written as i + 1).

    Returns:
        Path: The file written.
    """
    return _write_lines(path, (f'{label + 1} {name}'
                               for label, name in enumerate(class_names)))


def write_split_lists(split_dir: PathLike, split: int, train: Sequence[Entry],
                      test: Sequence[Entry]) -> Tuple[Path, Path]:
    """Write the official train and test lists of one split.

    Args:
        split_dir (str | Path): The folder (``ucfTrainTestlist``).
        split (int): The split number, 1 for ``trainlist01.txt``.
        train (Sequence[tuple[str, int]]): ``(relative video path, 0-based
            label)``, written with 1-based labels.
        test (Sequence[tuple[str, int]]): The same, written without labels.

    Returns:
        tuple[Path, Path]: The train and test list written.
    """
    split_dir = Path(split_dir)
    train_file = _write_lines(split_dir / TRAIN_LIST.format(split),
                              (f'{video} {label + 1}'
                               for video, label in train))
    test_file = _write_lines(split_dir / TEST_LIST.format(split),
                             (video for video, _ in test))
    return train_file, test_file


def write_mmaction_list(path: PathLike, entries: Sequence[Entry]) -> Path:
    """Write an MMAction2 ``VideoDataset`` annotation list.

    Args:
        path (str | Path): The file.
        entries (Sequence[tuple[str, int]]): ``(video path relative to the
            dataset's video prefix, 0-based label)``.

    Returns:
        Path: The file written.
    """
    return _write_lines(path, (f'{video} {label}' for video, label in entries))


def read_mmaction_list(path: PathLike) -> List[Entry]:
    """Read an MMAction2 ``VideoDataset`` annotation list.

    Args:
        path (str | Path): The file, ``"<video> <0-based label>"`` lines, as
            :func:`write_mmaction_list` writes.

    Returns:
        list[tuple[str, int]]: ``(video path, 0-based label)``.

    Raises:
        ValueError: On an empty file, a line without exactly two fields, or
            a label that is not an integer.
    """
    entries = []
    for lineno, text in _read_lines(path):
        fields = text.split()
        if len(fields) != 2 or not fields[1].isdigit():
            raise _malformed(path, lineno, text, 'expected "<video> <label>"')
        entries.append((fields[0], int(fields[1])))
    return entries


def split_mmaction_list(path: PathLike, in_second: Callable[[Entry], bool],
                        out_files: Sequence[PathLike]) -> Tuple[Path, Path]:
    """Write the entries of an MMAction2 list into two lists.

    Args:
        path (str | Path): The list to split.
        in_second (Callable[[tuple[str, int]], bool]): Whether an entry goes
            to the second list.
        out_files (Sequence[str | Path]): The first and the second list.

    Returns:
        tuple[Path, Path]: The two lists written, each in ``path``'s order.
    """
    parts: Tuple[List[Entry], List[Entry]] = ([], [])
    for entry in read_mmaction_list(path):
        parts[in_second(entry)].append(entry)
    first, second = (write_mmaction_list(out_file, part)
                     for out_file, part in zip(out_files, parts))
    return first, second


def read_ucf101_split(split_dir: PathLike, split: int) -> OfficialSplit:
    """Read one official UCF101 split.

    Args:
        split_dir (str | Path): The official ``ucfTrainTestlist`` folder.
        split (int): The split number, 1 for ``trainlist01.txt`` and
            ``testlist01.txt``.

    Returns:
        tuple[list, list, list[str]]: The train and the test entries as
        ``(relative video path, 0-based label)``, and the class names by
        0-based label.

    Raises:
        FileNotFoundError: If a file of the split is missing.
        ValueError: If an official file is malformed (see
            :func:`read_class_index` and :func:`read_split_list`).
    """
    split_dir = Path(split_dir)
    class_index = read_class_index(split_dir / CLASS_INDEX_FILE)
    train = read_split_list(split_dir / TRAIN_LIST.format(split), class_index)
    test = read_split_list(split_dir / TEST_LIST.format(split), class_index)
    return train, test, sorted(class_index, key=class_index.__getitem__)


def convert_ucf101_splits(
    split_dir: PathLike, out_dir: PathLike,
    splits: Sequence[int] = (1, 2, 3)) -> List[Path]:
    """Convert official UCF101 split files into MMAction2 annotation lists.

    Args:
        split_dir (str | Path): The official ``ucfTrainTestlist`` folder.
        out_dir (str | Path): Where ``ucf101_train_split_{k}_videos.txt``
            and ``ucf101_val_split_{k}_videos.txt`` are written.
        splits (Sequence[int]): The split numbers to convert.

    Returns:
        list[Path]: The files written, train then val for each split.

    Raises:
        FileNotFoundError: If a file of a split is missing.
        ValueError: If an official file is malformed (see
            :func:`read_class_index` and :func:`read_split_list`).
    """
    out_dir = Path(out_dir)
    written = []
    for split in splits:
        train, test, _ = read_ucf101_split(split_dir, split)
        written += [
            write_mmaction_list(out_dir / MMACTION_TRAIN_LIST.format(split),
                                train),
            write_mmaction_list(out_dir / MMACTION_VAL_LIST.format(split),
                                test)
        ]
    return written
