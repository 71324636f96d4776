"""A missing annotation list, named with the command that writes it."""
import os.path as osp
import re

from mmengine import fileio

# The lists tools/data/prepare_annotations.py writes, and the official split
# files and videos it reads, relative to its --out-dir.
WRITTEN_LIST = re.compile(
    r'(?P<dataset>ucf101|hmdb51)_(train|val|prp_train|prp_val)_split_\d+'
    r'_videos\.txt')
SPLIT_FOLDERS = dict(
    ucf101='ucfTrainTestlist', hmdb51='testTrainMulti_7030_splits')


def require_annotation_list(ann_file: str, arg_name: str = 'ann_file') -> None:
    """Raise unless the list exists; say which command writes a known one.

    Args:
        ann_file (str): The annotation list.
        arg_name (str): The dataset argument that names it, for the error.
            Defaults to ``'ann_file'``.

    Raises:
        FileNotFoundError: Naming the list and, for a UCF101 or HMDB51 list
            of this project, the ``tools/data/prepare_annotations.py``
            command that writes it.
    """
    if ann_file and fileio.exists(ann_file):
        return
    raise FileNotFoundError(f'the annotation list {arg_name} {ann_file!r} '
                            f'does not exist{writer_hint(ann_file or "")}')


def writer_hint(ann_file: str) -> str:
    """How to write a list of ``tools/data/{ucf101,hmdb51}``, if it is one.

    Args:
        ann_file (str): The missing list.

    Returns:
        str: ``'; write it with: python tools/data/...'`` with the list's
        folder as ``--out-dir``, or ``''`` for another list.
    """
    written = WRITTEN_LIST.fullmatch(osp.basename(ann_file))
    if not written:
        return ''
    dataset = written['dataset']
    root = osp.dirname(ann_file) or '.'
    return (f'; write it (with the other lists of {dataset}) with: python '
            f'tools/data/prepare_annotations.py {dataset} --split-dir '
            f'{root}/{SPLIT_FOLDERS[dataset]} --video-dir {root}/videos '
            f'--out-dir {root} (see tools/data/{dataset}/README.md)')
