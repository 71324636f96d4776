"""Tests of the local-checkpoint loader registered by ``import mmprp``."""
import os
import pickle
from pathlib import Path

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import CheckpointLoader, load_from_http

import mmprp  # noqa: F401
from mmprp.utils import load_local_checkpoint


def save_mmengine_style_checkpoint(path: Path) -> dict:
    """A checkpoint with what mmengine 0.10.7's runner saves."""
    hub = MessageHub.get_instance('test_checkpoint_loading')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', 0.25)
    state_dict = torch.nn.Linear(3, 2).state_dict()
    torch.save(dict(meta=dict(epoch=1, seed=0), state_dict=state_dict,
                    message_hub=hub.state_dict()), path)
    return state_dict


def test_plain_torch_load_refuses_mmengine_checkpoints(tmp_path) -> None:
    path = tmp_path / 'epoch_1.pth'
    save_mmengine_style_checkpoint(path)
    with pytest.raises(pickle.UnpicklingError, match='Weights only load'):
        torch.load(path)


def test_mmengine_loads_local_checkpoint_through_mmprp(tmp_path) -> None:
    path = tmp_path / 'epoch_1.pth'
    state_dict = save_mmengine_style_checkpoint(path)
    checkpoint = CheckpointLoader.load_checkpoint(str(path), 'cpu')
    for name, tensor in state_dict.items():
        assert torch.equal(checkpoint['state_dict'][name], tensor)
    buffer = checkpoint['message_hub']['log_scalars']['train/loss']
    assert buffer.mean() == pytest.approx(0.375)


class _Exploit:

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_arbitrary_code_in_a_checkpoint_is_refused(tmp_path) -> None:
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, payload=_Exploit()), path)
    with pytest.raises(pickle.UnpicklingError):
        load_local_checkpoint(str(path))


def test_urls_keep_torchs_default_loader() -> None:
    loader = CheckpointLoader._get_checkpoint_loader('https://host/a.pth')
    assert loader is load_from_http
    assert CheckpointLoader._get_checkpoint_loader(
        '/local/a.pth') is load_local_checkpoint


def test_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        load_local_checkpoint(str(tmp_path / 'nothing.pth'))
