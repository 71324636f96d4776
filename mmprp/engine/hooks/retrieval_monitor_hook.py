"""Video retrieval on held-out training videos while PRP pretrains."""
import os.path as osp
import random
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Sequence, Set

import numpy as np
import torch
from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS, HOOKS, MODELS
from mmengine.dataset import pseudo_collate
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn
from torch.utils.data import DataLoader, Dataset

from mmprp.datasets.annotation_list import require_annotation_list
from mmprp.evaluation.metrics import VideoRetrievalMetric
from mmprp.models.recognizers import pooled_video_features
from mmprp.models.recognizers.video_feature_extractor import \
    unit_range_preprocessor


def video_files(dataset: Dataset, is_query: Optional[bool] = None) -> Set[str]:
    """The resolved paths of the videos a dataset lists.

    Args:
        dataset (Dataset): An mmengine dataset (or dataset wrapper) whose
            entries have ``filename``.
        is_query (bool, optional): Keep only the entries with this
            ``is_query`` (a :class:`~mmprp.datasets.RetrievalVideoDataset`'s
            queries or gallery). Defaults to None (every entry).

    Returns:
        set[str]: ``os.path.realpath`` of every ``filename``.
    """
    infos = (dataset.get_data_info(i) for i in range(len(dataset)))
    return {
        osp.realpath(info['filename'])
        for info in infos if is_query is None or info['is_query'] == is_query
    }


@contextmanager
def preserved_rng(device: torch.device) -> Iterator[None]:
    """Restore the random states of torch, numpy and ``random`` afterwards.

    Whatever runs inside (data loader seeds, random transforms) leaves the
    random streams of the training as they were.

    Args:
        device (torch.device): The model's device; its CUDA generator is
            restored too.

    Yields:
        None
    """
    devices = [device.index] if device.type == 'cuda' else []
    numpy_state, python_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)


@HOOKS.register_module()
class RetrievalMonitorHook(Hook):
    """Retrieval top-k of held-out training videos during pretraining.

    Every ``interval`` epochs (and after the last one, and with
    ``at_start`` before the first one), the encoder being pretrained
    (``model.backbone``) computes the retrieval protocol's features
    (:func:`~mmprp.models.recognizers.pooled_video_features`, the features
    of the retrieval configs) of a small fixed set of videos, and every
    query video ranks the gallery videos by cosine similarity
    (:class:`~mmprp.evaluation.VideoRetrievalMetric`). The encoder runs in
    eval mode under ``torch.no_grad`` and is put back in its former mode;
    the random states of torch, numpy and ``random`` are restored, so the
    training goes on exactly as without the hook. For epoch-based loops.

    Held-out training videos only: before training, the gallery and query
    videos (``dataset``'s ``ann_file`` and ``query_ann_file``) must all be
    on the split's official train list (``split_train_ann_file``; so never
    a test video, whatever its list is named), none of them may be in the
    training dataset (the videos pretraining learns from), and the gallery
    and the queries must not share a video. For UCF101 / HMDB51 these are
    videos of the held-out list ``*_prp_val_split_<k>_videos.txt`` (the
    official train list less the PRP training list), split in two.

    Logged, with ``prefix`` ``P``: ``P/top{k}`` in [0, 1] for every ``k``
    (NaN for a ``k`` not below the gallery size) as message hub scalars and
    through the visualizer (``vis_data/scalars.json``, TensorBoard) with
    the epoch as step (0: before training), and one log line with the set
    sizes.

    Distributed training: only rank 0 evaluates, on the whole set, with
    the unwrapped encoder (no collective call); the other ranks wait at
    their next collective, so keep the set small (seconds).

    Args:
        dataset (dict): A :class:`~mmprp.datasets.RetrievalVideoDataset`
            config: ``ann_file`` (gallery), ``query_ann_file``,
            ``data_prefix`` and the retrieval configs' test pipeline (ending
            with ``PackActionInputs(algorithm_keys=('is_query', ))``).
        split_train_ann_file (str): The split's official train list (e.g.
            ``data/ucf101/ucf101_train_split_1_videos.txt``), read with
            ``dataset``'s ``data_prefix``.
        interval (int): Evaluate every ``interval`` epochs. Defaults to 1.
        at_start (bool): Also evaluate the initial encoder, before the
            first epoch of a run that does not resume. Defaults to True.
        topk (Sequence[int]): The ``k`` of top-k. Defaults to (1, 5).
        pool_size (Sequence[int]): Max-pooling of the encoder map, as in
            the retrieval configs. Defaults to (1, 2, 2).
        batch_size (int): Videos per forward pass. Defaults to 8.
        num_workers (int): Data loader workers. Defaults to 0.
        data_preprocessor (dict, optional): Defaults to the pretraining's
            [0, 1] scaling (``unit_range_preprocessor``).
        prefix (str): Key prefix of the logged values. Defaults to
            ``'monitor/retrieval'``.

    Raises:
        ValueError: If ``interval`` is below 1.
    """

    priority = 'NORMAL'

    def __init__(self,
                 dataset: dict,
                 split_train_ann_file: str,
                 interval: int = 1,
                 at_start: bool = True,
                 topk: Sequence[int] = (1, 5),
                 pool_size: Sequence[int] = (1, 2, 2),
                 batch_size: int = 8,
                 num_workers: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 prefix: str = 'monitor/retrieval') -> None:
        if interval < 1:
            raise ValueError(
                f'RetrievalMonitorHook: interval must be >= 1, got {interval}')
        self.dataset_cfg = dataset
        self.split_train_ann_file = split_train_ann_file
        self.interval = interval
        self.at_start = at_start
        self.topk = tuple(topk)
        self.pool_size = tuple(pool_size)
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.data_preprocessor = MODELS.build(data_preprocessor
                                              or unit_range_preprocessor())
        self.prefix = prefix
        self.dataset: Optional[Dataset] = None

    def before_train(self, runner) -> None:
        """Build the set, check it is held out, evaluate the start.

        Args:
            runner (Runner): The runner of the training process.

        Raises:
            ValueError: If a monitored video is not on the split's train
                list, is trained on, or is both gallery and query.
        """
        # unserialised unless asked: mmengine's serialisation runs a
        # gc.collect (seconds in a training process) for a small list
        self.dataset = DATASETS.build({
            'serialize_data': False,
            **self.dataset_cfg
        })
        self._check_held_out(video_files(runner.train_dataloader.dataset))
        if self.at_start and runner.epoch == 0:
            self._evaluate(runner, epoch=0)

    def after_train_epoch(self, runner) -> None:
        """Evaluate every ``interval`` epochs and after the last.

        Args:
            runner (Runner): The runner of the training process.
        """
        if (self.every_n_epochs(runner, self.interval)
                or self.is_last_train_epoch(runner)):
            self._evaluate(runner, epoch=runner.epoch + 1)

    def _check_held_out(self, trained: Set[str]) -> None:
        """Refuse monitored videos that are not held-out training videos.

        Args:
            trained (set[str]): The training dataset's videos.

        Raises:
            ValueError: Naming the list, the count and one video at fault.
        """
        gallery = video_files(self.dataset, is_query=False)
        queries = video_files(self.dataset, is_query=True)
        monitored = gallery | queries
        lists = (f"{self.dataset.ann_file!r} (gallery) and "
                 f"{self.dataset.query_ann_file!r} (queries)")
        self._refuse(gallery & queries, f'are both in {lists}')
        self._refuse(
            monitored - self._split_train_videos(),
            f'of {lists} are not on the split\'s train list '
            f'{self.split_train_ann_file!r} (a test list?); the monitor '
            'takes held-out training videos only')
        self._refuse(
            monitored & trained,
            f'of {lists} are in the training dataset; hold them out of '
            'pretraining (e.g. the *_prp_val_split_<k>_videos.txt list)')

    def _split_train_videos(self) -> Set[str]:
        """The videos of ``split_train_ann_file``.

        Returns:
            set[str]: Resolved paths, with the monitor's ``data_prefix``.
        """
        require_annotation_list(self.split_train_ann_file,
                                'split_train_ann_file')
        return video_files(
            VideoDataset(
                self.split_train_ann_file,
                pipeline=[],
                data_prefix=self.dataset.data_prefix,
                serialize_data=False))

    @staticmethod
    def _refuse(videos: Set[str], problem: str) -> None:
        """Raise if ``videos`` is not empty.

        Args:
            videos (set[str]): The videos at fault.
            problem (str): What is wrong with them, after ``'N videos '``.

        Raises:
            ValueError: ``'RetrievalMonitorHook: N videos <problem>, e.g.
            <video>'``.
        """
        if videos:
            raise ValueError(f'RetrievalMonitorHook: {len(videos)} videos '
                             f'{problem}, e.g. {min(videos)}')

    def _evaluate(self, runner, epoch: int) -> None:
        """Compute and log the retrieval top-k (rank 0 only).

        Args:
            runner (Runner): The runner of the training process.
            epoch (int): The epochs trained so far, the logged step.
        """
        if not is_main_process():
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        metrics = self._retrieval(model.backbone)
        scalars = {
            f'{self.prefix}/top{k}': metrics[f'top{k}']
            for k in self.topk
        }
        for key, value in scalars.items():
            runner.message_hub.update_scalar(key, value)
        runner.visualizer.add_scalars(scalars, step=epoch)
        runner.logger.info(
            f'Retrieval monitor, epoch {epoch} ({metrics["num_query"]} '
            f'queries, {metrics["num_gallery"]} gallery videos): '
            + ', '.join(f'{key} {value:.4f}'
                        for key, value in scalars.items()))

    def _retrieval(self, backbone: nn.Module) -> Dict[str, float]:
        """Features of every monitored video and their retrieval top-k.

        Args:
            backbone (nn.Module): The encoder being pretrained.

        Returns:
            dict[str, float]: :class:`VideoRetrievalMetric`'s
            ``compute_metrics``: ``top{k}``, ``num_query``,
            ``num_gallery``.
        """
        device = next(backbone.parameters()).device
        preprocessor = self.data_preprocessor.to(device)
        metric = VideoRetrievalMetric(topk=self.topk)
        loader = DataLoader(
            self.dataset,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            collate_fn=pseudo_collate)
        was_training = backbone.training
        backbone.eval()
        try:
            with preserved_rng(device), torch.no_grad():
                for batch in loader:
                    data = preprocessor(batch, training=False)
                    features = pooled_video_features(backbone, data['inputs'],
                                                     self.pool_size)
                    samples = data['data_samples']
                    for sample, feature in zip(samples, features):
                        sample.set_field(feature.float().cpu(), 'feature')
                    metric.process(batch,
                                   [sample.to_dict() for sample in samples])
        finally:
            backbone.train(was_training)
        return metric.compute_metrics(metric.results)
