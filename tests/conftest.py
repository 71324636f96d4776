"""Shared pytest fixtures."""
import pytest
from mmengine.registry import init_default_scope

from mmprp.datasets.synthetic import (SyntheticDataset,
                                      generate_synthetic_ucf101)


@pytest.fixture(scope='session')
def synthetic_ucf101(
        tmp_path_factory: pytest.TempPathFactory) -> SyntheticDataset:
    """A small synthetic UCF101: 4 classes x 3 groups x 1 clip, 96x128.

    Args:
        tmp_path_factory (pytest.TempPathFactory): pytest's session
            temporary folders.

    Returns:
        SyntheticDataset: Where the dataset was written.
    """
    return generate_synthetic_ucf101(
        tmp_path_factory.mktemp('synthetic_ucf101'),
        num_classes=4,
        groups_per_class=3,
        clips_per_group=1,
        num_frames=(130, 150),
        frame_size=(96, 128),
        seed=0,
        progress=False)


@pytest.fixture(scope='session', autouse=True)
def mmaction_default_scope() -> None:
    """Build from MMAction2's registries, as ``default_scope='mmaction'``."""
    init_default_scope('mmaction')
