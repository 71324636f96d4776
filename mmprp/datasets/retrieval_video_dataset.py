"""Gallery and query videos of the nearest-neighbour retrieval protocol."""
from typing import Callable, List, Union

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmaction.utils import ConfigType
from mmengine.fileio import join_path
from mmengine.utils import is_abs

from .annotation_list import require_annotation_list


@DATASETS.register_module()
class RetrievalVideoDataset(VideoDataset):
    """The train list (gallery) followed by the test list (queries).

    The retrieval protocol of VCOP (used by PRP) makes every test video query
    the train videos of the same split. This dataset serves both lists in one
    pass, so a single test loop extracts every feature: first the gallery
    entries (``is_query=False``), then the query entries (``is_query=True``),
    each in its file's order. Both files use :class:`VideoDataset`'s format
    (``path label`` lines) and are parsed by it; ``query_ann_file`` is joined
    with ``data_root`` like ``ann_file``.

    Put ``PackActionInputs(algorithm_keys=('is_query',))`` at the end of the
    pipeline so the flag reaches the data samples, where
    :class:`VideoRetrievalMetric` reads it.

    Args:
        ann_file (str): The gallery list (the split's train list).
        query_ann_file (str): The query list (the split's test list).
        pipeline (list[dict | Callable]): The data transforms.
        test_mode (bool): Whether the dataset is used for testing. Defaults
            to ``True``.
        **kwargs: The other arguments of :class:`VideoDataset`
            (``data_prefix``, ``data_root``, ``delimiter``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 query_ann_file: str,
                 pipeline: List[Union[ConfigType, Callable]],
                 test_mode: bool = True,
                 **kwargs) -> None:
        self.query_ann_file = query_ann_file
        super().__init__(
            ann_file, pipeline=pipeline, test_mode=test_mode, **kwargs)

    def _join_prefix(self) -> None:
        """Join ``data_root`` with the query list too, as with ``ann_file``."""
        super()._join_prefix()
        if (self.query_ann_file and not is_abs(self.query_ann_file)
                and self.data_root):
            self.query_ann_file = join_path(self.data_root,
                                            self.query_ann_file)

    def load_data_list(self) -> List[dict]:
        """Load the gallery entries, then the query entries.

        Returns:
            list[dict]: ``filename``, ``label`` and ``is_query`` of every
            video, the gallery (``is_query=False``) first.

        Raises:
            FileNotFoundError: If a list file does not exist (naming the
                command that writes it, for the UCF101 and HMDB51 lists).
            ValueError: If a list file has no entry.
        """
        gallery = self._load_list('ann_file', self.ann_file, is_query=False)
        queries = self._load_list(
            'query_ann_file', self.query_ann_file, is_query=True)
        return gallery + queries

    def _load_list(self, arg_name: str, ann_file: str,
                   is_query: bool) -> List[dict]:
        """Parse one list file with :meth:`VideoDataset.load_data_list`.

        Args:
            arg_name (str): The argument that names the file, for errors.
            ann_file (str): The list file.
            is_query (bool): The flag given to its entries.

        Returns:
            list[dict]: The file's entries with ``is_query`` added.
        """
        require_annotation_list(ann_file, arg_name)
        gallery_file = self.ann_file
        self.ann_file = ann_file
        try:
            data_list = super().load_data_list()
        finally:
            self.ann_file = gallery_file
        if not data_list:
            raise ValueError(
                f'RetrievalVideoDataset: {arg_name} {ann_file!r} lists no '
                'video')
        for info in data_list:
            info['is_query'] = is_query
        return data_list
