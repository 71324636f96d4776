"""Report the videos a training run has left out, every epoch."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class BadVideoReportHook(Hook):
    """Log how many listed videos were skipped, at the end of every epoch.

    Works with datasets that count them (``skipped_videos``, e.g.
    :class:`~mmprp.datasets.PRPVideoDataset` with ``bad_videos='skip'``);
    the count covers all data-loader workers. The value is also written to
    the message hub as ``train/skipped_videos``.
    """

    priority = 'LOW'

    def after_train_epoch(self, runner) -> None:
        """Log the count of skipped videos.

        Args:
            runner (Runner): The runner of the training process.
        """
        dataset = runner.train_dataloader.dataset
        if not hasattr(dataset, 'skipped_videos'):
            return
        count = dataset.skipped_videos
        runner.message_hub.update_scalar('train/skipped_videos', count)
        runner.logger.info(
            f'epoch {runner.epoch + 1}: {count} of the listed videos were '
            f'left out so far ({len(dataset.missing_videos)} missing, the '
            f'rest unreadable or too short)')
