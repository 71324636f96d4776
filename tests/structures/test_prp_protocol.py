"""Tests of PRPProtocol: the settings the sampler and the model share."""
import pytest
from mmaction.registry import MODELS

from mmprp.structures.prp_protocol import PRPProtocol


def test_of_defaults_and_config_dicts() -> None:
    assert PRPProtocol.of(None) == PRPProtocol()
    protocol = PRPProtocol.of(dict(rates=[1, 2], recon_rate=1))
    assert protocol.rates == (1, 2)
    assert protocol.target_len == 16
    assert PRPProtocol.of(protocol) is protocol


def test_unknown_keys_are_refused_by_name() -> None:
    with pytest.raises(ValueError) as error:
        PRPProtocol.of(dict(rate=(1, 2), clip_len=16, atention='dense'))
    assert str(error.value) == (
        "PRP protocol (`prp`): unknown keys ['atention', 'rate']; the "
        "settings are ['rates', 'clip_len', 'recon_rate', 'attention']")


def test_the_model_side_names_the_protocol(narrow_prp_cfg: dict) -> None:
    # a config's model.prp: the message names the protocol, not the sampler
    with pytest.raises(
            ValueError,
            match=r'^PRP protocol \(`prp`\): `rates` '
            'must be non-empty, positive and strictly increasing'):
        MODELS.build(dict(narrow_prp_cfg, prp=dict(rates=(2, 1))))
