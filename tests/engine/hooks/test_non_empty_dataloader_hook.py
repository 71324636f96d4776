"""NonEmptyDataloaderHook refuses a run whose data loader yields no batch."""
import pytest
from run_guard_runner import build_runner

from mmprp.engine import NonEmptyDataloaderHook


def test_drop_last_with_a_batch_larger_than_the_dataset_trains_nothing(
        tmp_path) -> None:
    # what the hook prevents: mmengine runs 0 iterations without an error
    runner = build_runner(
        tmp_path, hooks=[], num_samples=3, batch_size=4, drop_last=True)
    runner.train()
    assert runner.iter == 0


def test_the_run_is_refused_naming_the_numbers(tmp_path) -> None:
    runner = build_runner(
        tmp_path, [NonEmptyDataloaderHook()],
        num_samples=3,
        batch_size=4,
        drop_last=True)
    with pytest.raises(
            ValueError,
            match=r'^train_dataloader yields no batch: its dataset has 3 '
            r'samples, 3 for each of 1 processes, batch_size=4 and '
            r'drop_last=True, so the run would go through 0 iterations\. '
            r'Use a batch_size of at most 3'):
        runner.train()
    assert runner.iter == 0


def test_a_loader_with_a_batch_trains(tmp_path) -> None:
    runner = build_runner(
        tmp_path, [NonEmptyDataloaderHook()],
        num_samples=3,
        batch_size=4,
        drop_last=False)
    runner.train()
    assert runner.iter == 1
