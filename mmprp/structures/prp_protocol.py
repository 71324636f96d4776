"""PRP's protocol: its settings and the keys its data samples carry.

The data side (:class:`~mmprp.datasets.PlaybackRateSampler`,
:class:`~mmprp.datasets.PackPRPInputs`) and the model side (the view builder
:class:`~mmprp.models.PRPDataPreprocessor`, the pretext heads,
:class:`~mmprp.evaluation.PretextLossMetric`) read both from here, so each
is written once.
"""
import numbers
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

ATTENTION_MODES = ('sparse', 'dense', None)
# Raw frames of each clip_len-frame segment that sparse attention compares
# (offsets 0, 5, 10, 15 for clip_len = 16, the authors' code).
NUM_SPARSE_FRAMES = 4
# How errors name the protocol: a config's ``prp`` (or a sampler's own).
_WHO = 'PRP protocol (`prp`)'

# What PlaybackRateSampler writes per sample and PackPRPInputs packs.
RATE_LABEL_KEY = 'rate_label'
NUM_RATES_KEY = 'num_rates'
PLAYBACK_RATE_KEY = 'playback_rate'
CLIP_INDS_KEY = 'clip_inds'
TARGET_INDS_KEY = 'target_inds'
TARGET_WEIGHTS_KEY = 'target_weights'
TARGET_VALID_KEY = 'target_valid'
ATTENTION_KEY = 'attention_inds'
PRP_VIEW_KEYS = (CLIP_INDS_KEY, TARGET_INDS_KEY, TARGET_WEIGHTS_KEY,
                 TARGET_VALID_KEY, RATE_LABEL_KEY, PLAYBACK_RATE_KEY)
PRP_SAMPLE_KEYS = PRP_VIEW_KEYS + (NUM_RATES_KEY, ATTENTION_KEY)

# What the view builder adds to each data sample for the heads.
RECON_TARGET_KEY = 'recon_target'
RECON_VALID_KEY = 'recon_valid'
MOTION_ATTENTION_KEY = 'motion_attention'

# What the heads' ``predict`` writes: the rate prediction, and each weighted
# pretext loss of the sample under a key starting with LOSS_PREFIX.
PRED_RATE_KEY = 'pred_rate'
RATE_SCORES_KEY = 'rate_scores'
LOSS_PREFIX = 'loss_'


def _integer_rates(rates: Sequence[int]) -> Tuple[int, ...]:
    """The rates as Python ints, refusing anything but integers.

    Raises:
        ValueError: If ``rates`` is not a sequence of integers.
    """
    if isinstance(rates, (str, bytes)) or not isinstance(rates, Sequence):
        raise ValueError(f'{_WHO}: `rates` must be a sequence '
                         f'of integers, got {rates!r}')
    wrong = [
        rate for rate in rates
        if isinstance(rate, bool) or not isinstance(rate, numbers.Integral)
    ]
    if wrong:
        raise ValueError(
            f'{_WHO}: `rates` must be integers (steps between '
            f'the sampled raw frames), got {wrong[0]!r} in {tuple(rates)!r}')
    return tuple(int(rate) for rate in rates)


@dataclass(frozen=True)
class PRPProtocol:
    """The settings that the sampler and the model must share.

    Args:
        rates (Sequence[int]): Candidate playback rates, strictly increasing
            positive integers (steps between the sampled raw frames).
            Defaults to (1, 2, 4, 8).
        clip_len (int): Frames of the input clip. Defaults to 16.
        recon_rate (int): Slow-down factor ``r`` of the reconstruction
            target (``clip_len * r`` frames). Defaults to 2.
        attention (str, optional): Motion attention: ``'sparse'`` (the
            authors' code), ``'dense'`` (the paper) or None (plain MSE).
            Defaults to ``'sparse'``.

    Raises:
        ValueError: If a setting is invalid or they do not fit together
            (the error names the setting and the values).
    """

    rates: Tuple[int, ...] = (1, 2, 4, 8)
    clip_len: int = 16
    recon_rate: int = 2
    attention: Optional[str] = 'sparse'

    def __post_init__(self) -> None:
        object.__setattr__(self, 'rates', _integer_rates(self.rates))
        self._check_rates()
        if self.clip_len < NUM_SPARSE_FRAMES or self.recon_rate < 1:
            raise ValueError(
                f'{_WHO}: need `clip_len` >= {NUM_SPARSE_FRAMES} '
                f'and `recon_rate` >= 1, got clip_len={self.clip_len}, '
                f'recon_rate={self.recon_rate}')
        if self.attention not in ATTENTION_MODES:
            raise ValueError(f'{_WHO}: `attention` must be one of '
                             f'{ATTENTION_MODES}, got {self.attention!r}')
        self._check_alignment()

    def _check_rates(self) -> None:
        rates = self.rates
        if not rates or rates[0] <= 0 or any(
                later <= earlier for earlier, later in zip(rates, rates[1:])):
            raise ValueError(f'{_WHO}: `rates` must be non-empty, positive '
                             f'and strictly increasing, got {rates}')

    def _check_alignment(self) -> None:
        uneven = [rate for rate in self.rates if self.target_len % rate]
        if self.attention == 'sparse' and uneven:
            raise ValueError(
                f'{_WHO}: sparse attention splits the '
                f'{self.target_len} target frames into one segment per unit '
                f'of rate; rates {uneven} do not divide {self.target_len} '
                f'(clip_len * recon_rate). Use powers of two.')
        misaligned = [
            rate for rate in self.rates
            if max(rate, self.recon_rate) % min(rate, self.recon_rate)
        ]
        if misaligned:
            raise ValueError(
                f'{_WHO}: with recon_rate={self.recon_rate} the '
                f'target of rates {misaligned} would fall between raw frames '
                f'without ever hitting them; each rate and recon_rate must '
                f'divide one another (use powers of two).')

    @property
    def num_rates(self) -> int:
        """int: Number of playback rates (classes of the rate head)."""
        return len(self.rates)

    @property
    def target_len(self) -> int:
        """int: Frames of the reconstruction target."""
        return self.clip_len * self.recon_rate

    @classmethod
    def of(cls, protocol: Union['PRPProtocol', dict, None]) -> 'PRPProtocol':
        """A protocol from a config dict, itself, or the defaults for None.

        Args:
            protocol (PRPProtocol | dict | None): E.g. a config's ``prp``.

        Returns:
            PRPProtocol: The validated protocol.

        Raises:
            ValueError: If ``protocol`` has a key that is not a setting, or
                a setting is invalid.
        """
        if isinstance(protocol, cls):
            return protocol
        settings = dict(protocol or {})
        unknown = sorted(set(settings) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f'{_WHO}: unknown keys {unknown}; the settings '
                             f'are {list(cls.__dataclass_fields__)}')
        return cls(**settings)
