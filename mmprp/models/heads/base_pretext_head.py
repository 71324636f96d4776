"""What a PRP pretext head provides to SelfSupRecognizer."""
from abc import ABCMeta, abstractmethod
from typing import Callable, Dict, Optional, Union

from mmaction.utils import SampleList
from mmengine.model import BaseModule
from torch import Tensor

from ...structures import LOSS_PREFIX, PRPProtocol


class BasePretextHead(BaseModule, metaclass=ABCMeta):
    """A pretext task on the encoder map: its loss and its predictions.

    :class:`SelfSupRecognizer` encodes the clip once and hands the map with
    the data samples to each head; what a head needs besides the map (labels,
    targets, masks) it reads from the data samples, which the sampler and
    the view builder (:class:`PRPDataPreprocessor`) fill. So a head is added
    by config alone: the recognizer and :class:`PretextLossMetric` know no
    head by name.

    A head's ``__init__`` takes ``protocol`` (:class:`PRPProtocol`, passed by
    the recognizer) and, when the recognizer probes the encoder
    (``input_size``), ``in_channels`` and ``feat_size`` (the map's C and
    (T', H', W')).
    """

    @abstractmethod
    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Weighted losses (keys starting with ``loss_``) and logged values.

        Args:
            feats (Tensor): Encoder map (N, C, T', H', W').
            data_samples (list[ActionDataSample]): The batch's samples.

        Returns:
            dict[str, Tensor]: Batch-mean losses and other logged scalars.
        """

    @abstractmethod
    def predict(self, feats: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Write predictions and, per loss of :meth:`loss`, a 0-d ``loss_*``
        field of each sample (which :class:`PretextLossMetric` averages);
        arguments as :meth:`loss`; returns ``data_samples``."""

    @staticmethod
    def setting_from_protocol(name: str, given: Optional[int],
                              protocol: Union[PRPProtocol, dict, None],
                              value_of: Callable[[PRPProtocol], int]) -> int:
        """A head's setting: ``given``, else the protocol's.

        Args:
            name (str): The setting, for the error.
            given (int, optional): The head's own argument.
            protocol (PRPProtocol | dict, optional): PRP's settings.
            value_of (callable): The setting from a protocol.

        Returns:
            int: The setting.

        Raises:
            ValueError: If ``given`` and the protocol's value differ.
        """
        derived = value_of(PRPProtocol.of(protocol))
        if protocol is not None and given not in (None, derived):
            raise ValueError(f'{name}={given}, but prp gives {derived}: '
                             f'leave {name} out')
        return derived if given is None else given

    @staticmethod
    def write_sample_losses(losses: Dict[str, Tensor],
                            data_samples: SampleList) -> SampleList:
        """Store per-sample losses, (N,) each, as fields of the samples.

        Args:
            losses (dict[str, Tensor]): (N,) weighted losses by name; every
                name starts with ``loss_``.
            data_samples (list[ActionDataSample]): N samples.

        Returns:
            list[ActionDataSample]: ``data_samples``, each with its 0-d
            detached losses.

        Raises:
            ValueError: If a name does not start with ``loss_``.
        """
        for key, values in losses.items():
            if not key.startswith(LOSS_PREFIX):
                raise ValueError(f'per-sample loss {key!r} must start with '
                                 f'{LOSS_PREFIX!r}')
            for sample, value in zip(data_samples, values.detach()):
                sample.set_field(value, key)
        return data_samples
