"""MMAction2's VideoDataset that names a missing list and each entry's line."""
from typing import List

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS

from .annotation_list import require_annotation_list

# The data info key of an entry's 1-based line in the annotation list.
LINE_KEY = 'ann_line'


@DATASETS.register_module()
class FinetuneVideoDataset(VideoDataset):
    """MMAction2's ``VideoDataset`` for finetuning and testing classifiers.

    It reads the same ``<video> <label>`` lists, one entry per line, and
    adds two things: a missing list raises ``FileNotFoundError`` naming the
    ``tools/data/prepare_annotations.py`` command that writes it (for the
    lists that command writes), and each data info gets
    ``ann_line``, its line in the list, with which
    :class:`~mmprp.engine.LabelRangeHook` names the line of a label the
    classifier does not have.

    Args:
        ann_file (str): The annotation list.
        **kwargs: The other arguments of ``VideoDataset``.
    """

    def load_data_list(self) -> List[dict]:
        """Parse the list as ``VideoDataset`` does, noting each line.

        Returns:
            list[dict]: ``filename``, ``label`` and ``ann_line`` per entry.

        Raises:
            FileNotFoundError: If the list does not exist.
        """
        require_annotation_list(self.ann_file)
        data_list = super().load_data_list()
        for line, info in enumerate(data_list, 1):
            info[LINE_KEY] = line
        return data_list
