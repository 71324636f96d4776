"""NonFiniteLossHook stops training at the first NaN or infinite loss."""
import pytest
from run_guard_runner import TwoTermModel, build_runner

from mmprp.engine import NonFiniteLossHook


def test_without_the_hook_a_nan_loss_trains_to_the_end(tmp_path) -> None:
    runner = build_runner(
        tmp_path, hooks=[], model=TwoTermModel(nan_from_call=3))
    runner.train()
    assert runner.iter == 4


def test_stops_naming_the_iteration_and_the_term(tmp_path) -> None:
    runner = build_runner(
        tmp_path, [NonFiniteLossHook()],
        model=TwoTermModel(nan_from_call=3),
        max_epochs=2)
    with pytest.raises(
            FloatingPointError,
            match=r'^non-finite loss at iteration 3 \(epoch 1, batch 3\): '
            r'loss=nan, loss_b=nan\. Training stopped; .*'
            r"on_non_finite='warn'"):
        runner.train()


def test_warn_trains_on_and_names_each_iteration(tmp_path,
                                                 monkeypatch) -> None:
    logged = []
    monkeypatch.setattr('mmprp.engine.hooks.non_finite_loss_hook.print_log',
                        lambda message, **kwargs: logged.append(message))
    runner = build_runner(
        tmp_path, [NonFiniteLossHook(on_non_finite='warn')],
        model=TwoTermModel(nan_from_call=4))
    runner.train()
    assert runner.iter == 4
    assert logged == [
        'non-finite loss at iteration 4 (epoch 1, batch 4): loss=nan, '
        'loss_b=nan'
    ]


def test_finite_losses_pass_and_the_policy_is_checked(tmp_path) -> None:
    runner = build_runner(tmp_path, [NonFiniteLossHook()])
    runner.train()
    assert runner.iter == 4
    with pytest.raises(ValueError, match="one of .* got 'skip'"):
        NonFiniteLossHook(on_non_finite='skip')
