"""Refuse class labels that the classifier does not have."""
from typing import List

import numpy as np
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ...datasets.finetune_video_dataset import LINE_KEY
from ...utils.runner_dataloaders import built_dataloaders


@HOOKS.register_module()
class LabelRangeHook(Hook):
    """Stop a run whose lists hold labels outside the classifier's classes.

    A label ``>= num_classes`` (or a line without one, label -1) makes the
    cross-entropy fail in the middle of training with ``IndexError: Target
    500 is out of bounds`` and no word of the list or the line; at test
    time it is counted as a miss. In ``before_run`` this hook compares every
    label of the run's data loaders (see :class:`NonEmptyDataloaderHook`)
    with ``model.cls_head.num_classes`` and raises naming the loader, the
    list, the line (``ann_line`` of
    :class:`~mmprp.datasets.FinetuneVideoDataset`; other datasets: the
    entry and its video), the label and the number of classes. Models
    without ``cls_head`` (PRP pretraining, retrieval) have no classes to
    check.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        """Check the labels of every data loader of the run.

        Args:
            runner (Runner): The runner.

        Raises:
            ValueError: If a label is not in ``[0, num_classes)``.
        """
        model = getattr(runner.model, 'module', runner.model)
        head = getattr(model, 'cls_head', None)
        if head is None:
            return
        for name, loader in built_dataloaders(runner).items():
            wrong = out_of_range_entries(loader.dataset, head.num_classes)
            if wrong:
                listed = getattr(loader.dataset, 'ann_file', 'its dataset')
                more = (f' ({len(wrong)} such entries; the first 3: '
                        f'{"; ".join(wrong[:3])})' if len(wrong) > 1 else '')
                raise ValueError(
                    f'{name}: {listed}, {wrong[0]}, is out of range for '
                    f'model.cls_head.num_classes={head.num_classes} '
                    f'(labels 0 to {head.num_classes - 1}){more}. Fix the '
                    f'list or set num_classes to the number of classes')


def out_of_range_entries(dataset, num_classes: int) -> List[str]:
    """The dataset's entries with a label outside ``[0, num_classes)``.

    Args:
        dataset (BaseDataset): An mmengine dataset of labelled entries.
        num_classes (int): The classifier's number of classes.

    Returns:
        list[str]: Each as ``'line 7: label 500'`` (``'entry 6 (VIDEO):
        label 500'`` without ``ann_line``).
    """
    wrong = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        labels = np.asarray(info['label']).ravel()
        if np.all((labels >= 0) & (labels < num_classes)):
            continue
        where = (f'line {info[LINE_KEY]}' if LINE_KEY in info else
                 f'entry {index} ({info.get("filename")})')
        shown = labels[0] if labels.size == 1 else labels.tolist()
        wrong.append(f'{where}: label {shown}')
    return wrong
