"""What the built-in demo runs: dataset size, seeds and training budget."""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

PRETRAIN_CONFIG = Path(__file__).parent / 'configs' / 'prp_c3d_demo.py'
EVAL_CONFIG = Path(__file__).parent / 'configs' / 'retrieval_c3d_demo.py'


@dataclass(frozen=True)
class DemoSettings:
    """The budget of one demo run; the defaults are ``make demo``'s.

    The model, pipelines and optimiser come from the two demo configs;
    these settings only size the run.

    Attributes:
        work_dir (Path): Data, runs, figures and ``report.md`` go here.
        num_classes (int): Synthetic classes. Defaults to 10.
        groups_per_class (int): Groups per class; a third of them are the
            test videos, the rest are the videos pretraining learns from.
            Defaults to 12.
        clips_per_group (int): Videos per group. Defaults to 3.
        monitor_groups (int): Train groups per class added for the
            retrieval monitor and held out of pretraining (the generator's
            ``held_out_groups``; the test videos and the pretraining videos
            stay as without them): the first half of them is the monitor's
            gallery, the second half its queries, so that queries and
            gallery differ in background and object as the evaluation's
            test and train videos do. Even, at least 2. Defaults to 6 (90
            queries against 90 gallery videos).
        frame_size (tuple[int, int]): ``(height, width)`` of the videos;
            the demo configs use them at this size (48 high). Defaults to
            (48, 60).
        object_size (tuple[float, float]): Range of the moving object's
            size as a fraction of the frame's shorter side. Larger than
            the generator's default (0.18, 0.28): the rate classifier
            averages its features over the whole frame, and with the
            smaller objects the rate task stayed at chance level for 150+
            steps in about half of the seeds tried. Defaults to
            (0.3, 0.45).
        num_frames (tuple[int, int]): Frame count range of the videos; 129
            frames is the shortest a rate-8 clip fits in. Defaults to
            (140, 200).
        appearance (str): Of the object and background, see
            :func:`~mmprp.testing.generate_synthetic_ucf101`.
            Defaults to ``'textured'``: with ``'grey'`` videos the decoder
            came closer to the mean frame but random initialisation beat
            PRP at retrieval (docs/demo.md, "The generative branch").
        seeds (tuple[int, ...]): One pretraining run (and one random
            initialisation) per seed. Defaults to (0, 1, 2).
        epochs (int, optional): Pretraining epochs; None keeps the
            config's.
        eval_clips (int, optional): Clips per video for retrieval and the
            probe; None keeps the config's.
        data_seed (int): Seed of the synthetic dataset. Defaults to 0.
        threads (int): torch's threads for the whole demo. The float sums
            of the CPU kernels (oneDNN's convolutions, BatchNorm) are split
            by thread, so another thread count trains each seed along
            another path and gives other numbers (docs/demo.md); pinned so
            that ``make demo`` gives the same numbers on any machine with
            the same torch build and CPU kind, however many cores it has
            (fewer than 2 cores only make it slower). Defaults to 2.
    """

    work_dir: Path = Path('work_dirs/demo')
    num_classes: int = 10
    groups_per_class: int = 12
    clips_per_group: int = 3
    monitor_groups: int = 6
    frame_size: Tuple[int, int] = (48, 60)
    object_size: Tuple[float, float] = (0.3, 0.45)
    num_frames: Tuple[int, int] = (140, 200)
    appearance: str = 'textured'
    seeds: Tuple[int, ...] = field(default=(0, 1, 2))
    epochs: Optional[int] = None
    eval_clips: Optional[int] = None
    data_seed: int = 0
    threads: int = 2

    def __post_init__(self) -> None:
        """Refuse a monitor that cannot split into gallery and queries.

        Raises:
            ValueError: If ``monitor_groups`` is odd or below 2.
        """
        if self.monitor_groups < 2 or self.monitor_groups % 2:
            raise ValueError('DemoSettings: monitor_groups must be even and '
                             '>= 2 (half gallery, half queries), got '
                             f'{self.monitor_groups}')

    @property
    def data_dir(self) -> Path:
        """Path: The synthetic dataset."""
        return self.work_dir / 'data'

    def run_dir(self, stage: str, seed: int) -> Path:
        """The work dir of one run.

        Args:
            stage (str): ``'pretrain'``, ``'eval_prp'`` or
                ``'eval_random'``.
            seed (int): The run's seed.

        Returns:
            Path: ``work_dir/<stage>/seed<seed>``.
        """
        return self.work_dir / stage / f'seed{seed}'
