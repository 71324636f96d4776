"""Annotation lists of UCF101 and HMDB51 from their official split files.

For each split ``k`` and a dataset ``<prefix>`` (``ucf101``, ``hmdb51``),
:func:`write_dataset_lists` writes MMAction2 ``VideoDataset`` lists
(``"<class>/<video> <0-based label>"`` lines) named as MMAction2 names them:

* ``<prefix>_train_split_{k}_videos.txt``: the official train list;
* ``<prefix>_val_split_{k}_videos.txt``: the official test list;
* ``<prefix>_prp_train_split_{k}_videos.txt`` and
  ``<prefix>_prp_val_split_{k}_videos.txt``: PRP pretraining's lists, the
  official train list with ``num_val`` videos held out for validation (the
  authors hold out 800 for UCF101 and 400 for HMDB51).

``tools/data/prepare_annotations.py`` checks every listed video first
(:func:`~mmprp.datasets.preparation.video_report.check_videos`) and leaves
the missing, unusable and too short ones out of every list.
"""
import random
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Sequence, Tuple

from .hmdb51_splits import read_hmdb51_split
from .ucf101_splits import (Entry, OfficialSplit, PathLike, read_ucf101_split,
                            write_mmaction_list)

SplitReader = Callable[[PathLike, int], OfficialSplit]
Splits = Dict[int, Tuple[List[Entry], List[Entry]]]

LIST_FILE = '{prefix}_{subset}_split_{split}_videos.txt'
SUBSETS = ('train', 'val', 'prp_train', 'prp_val')
REPORT_FILE = '{prefix}_video_report.txt'


def hold_out_validation(entries: Sequence[Entry], num_val: int,
                        seed: int) -> Tuple[List[Entry], List[Entry]]:
    """Hold out a seeded random subset of a train list for validation.

    As the authors' code (a random split of the train list, not stratified
    by class), every video is equally likely to be held out. Both lists keep
    the order of ``entries``.

    Args:
        entries (Sequence[tuple[str, int]]): The train list.
        num_val (int): Videos to hold out, in ``[1, len(entries))``.
        seed (int): The seed; the same entries and seed give the same lists.

    Returns:
        tuple[list, list]: The remaining train entries and the held out
        validation entries, disjoint and together ``entries``.

    Raises:
        ValueError: If ``num_val`` is out of range.
    """
    if not 1 <= num_val < len(entries):
        raise ValueError(f'cannot hold out {num_val} of {len(entries)} '
                         f'train videos for validation: need 1 <= num_val '
                         f'< {len(entries)}')
    held_out = set(random.Random(seed).sample(range(len(entries)), num_val))
    train = [entry for i, entry in enumerate(entries) if i not in held_out]
    val = [entry for i, entry in enumerate(entries) if i in held_out]
    return train, val


def read_splits(read_split: SplitReader, split_dir: PathLike,
                splits: Sequence[int]) -> Splits:
    """Read several official splits of a dataset.

    Args:
        read_split (SplitReader): Reads one split, as
            :func:`~mmprp.datasets.preparation.read_ucf101_split` or
            :func:`~mmprp.datasets.preparation.read_hmdb51_split`.
        split_dir (str | Path): The official split files.
        splits (Sequence[int]): The split numbers.

    Returns:
        dict[int, tuple[list, list]]: Split number to its train and test
        entries.
    """
    return {split: read_split(split_dir, split)[:2] for split in splits}


def unique_videos(splits: Splits) -> List[str]:
    """List every video of some splits once, in order of appearance.

    Args:
        splits (dict[int, tuple[list, list]]): As :func:`read_splits`
            returns.

    Returns:
        list[str]: The relative video paths.
    """
    return list(
        dict.fromkeys(video for train, test in splits.values()
                      for video, _ in [*train, *test]))


def write_dataset_lists(
    out_dir: PathLike,
    prefix: str,
    splits: Splits,
    num_val: int,
    seed: int,
    exclude: Sequence[str] = ()) -> Dict[Path, int]:
    """Write the MMAction2 and the PRP pretraining lists of every split.

    Every list is computed before any is written, so an invalid ``num_val``
    writes nothing.

    Args:
        out_dir (str | Path): The output folder.
        prefix (str): The dataset's file name prefix, e.g. ``'ucf101'``.
        splits (dict[int, tuple[list, list]]): Split number to its train and
            test entries, as :func:`read_splits` returns.
        num_val (int): Train videos held out for PRP's validation list.
        seed (int): Seed of the hold-out (see :func:`hold_out_validation`).
        exclude (Sequence[str]): Videos left out of every list, e.g.
            :attr:`VideoReport.excluded`. Defaults to none.

    Returns:
        dict[Path, int]: Each file written and its number of videos, per
        split the train, val, PRP train and PRP val list.

    Raises:
        ValueError: If ``num_val`` is not less than the train videos left.
    """
    excluded = set(exclude)
    lists = {}
    for split, official in splits.items():
        train, test = ([
            entry for entry in entries if entry[0] not in excluded
        ] for entries in official)
        prp_train, prp_val = hold_out_validation(train, num_val, seed)
        for subset, entries in zip(SUBSETS, (train, test, prp_train, prp_val)):
            name = LIST_FILE.format(prefix=prefix, subset=subset, split=split)
            lists[Path(out_dir) / name] = entries
    return {
        write_mmaction_list(path, entries): len(entries)
        for path, entries in lists.items()
    }


class DatasetFormat(NamedTuple):
    """How a dataset's official splits are read, and where they lie.

    Attributes:
        name (str): The file name prefix and folder under ``data/``.
        read_split (SplitReader): Reads one official split.
        num_val (int): Default number of train videos held out.
        split_dir (str): Default folder of the official split files.
        split_files (str): The names of the official split files, for help.
    """

    name: str
    read_split: SplitReader
    num_val: int
    split_dir: str
    split_files: str


UCF101 = DatasetFormat('ucf101', read_ucf101_split, 800,
                       'data/ucf101/ucfTrainTestlist',
                       'classInd.txt, trainlist0N.txt and testlist0N.txt')
HMDB51 = DatasetFormat('hmdb51', read_hmdb51_split, 400,
                       'data/hmdb51/testTrainMulti_7030_splits',
                       '<class>_test_split<N>.txt')
#: The datasets whose lists ``tools/data/prepare_annotations.py`` writes.
DATASETS = {dataset.name: dataset for dataset in (UCF101, HMDB51)}
