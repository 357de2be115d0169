"""The one table of MMCL's training-only input modalities.

Every training-only input travels the same way: a pipeline transform puts
an array in the results, :class:`PackMMCLInputs` turns it into a field of
the data sample, :class:`MMCLDataPreprocessor` batches the field into a
keyword input of the model, and :meth:`MMCLRecognizer.loss` hands that
keyword to the head that consumes it. :data:`MODALITIES` names all of it
once, per modality; the packer, the preprocessor and the recognizer read
only this table, so adding a modality is one entry here plus its consumer
head (whose ``loss`` takes the entry's ``input_name`` as a keyword).

- frame strip: results/field ``frame_strip``, (H, W, 3) uint8 in the
  results, (3, H, W) uint8 in the data sample; input ``frame_strips``
  (N, 3, H, W), stacked and normalised; FAM.
- strip feature: ``strip_feature`` (D, ) float32; input
  ``strip_features`` (N, D), stacked; FAM.
- text feature: ``text_feature`` (P, L, D) float32 and ``text_mask``
  (P, L) bool; inputs ``text_features`` (N, P, L_max, D) and
  ``text_masks`` (N, P, L_max), the tokens padded to the longest and
  masked; FRM.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

import torch

#: A dimension of a per-sample layout: a name (any size) or a fixed size.
Dim = Union[str, int]

#: How a modality's per-sample tensors become one batch:
#: 'stack' (equal shapes, to float32), 'normalise' ('stack', then the
#: preprocessor's ``prepare_strips``: optional resize to
#: ``strip_short_side``, per-channel ``strip_mean``/``strip_std``), 'pad'
#: (pad the second-to-last dim, the tokens, to the longest; a bool mask
#: over all dims but the last marks the valid entries).
BATCHINGS = ('stack', 'normalise', 'pad')


@dataclass(frozen=True)
class Modality:
    """One training-only input modality.

    Args:
        results_key (str): Key of the per-sample array in the pipeline's
            results (set by a transform).
        field (str): Field of the ``ActionDataSample`` that
            ``PackMMCLInputs`` sets (a tensor laid out as ``dims``).
        input_name (str): Keyword of the batched tensor in the model's
            inputs: returned by ``MMCLDataPreprocessor``, taken by
            ``MMCLRecognizer.loss`` and by the consumer head's ``loss``.
        head (str): Attribute of the recognizer whose ``loss`` consumes
            the modality ('fam_head', 'frm_head').
        dims (tuple[str | int]): Layout of the data-sample tensor; a name
            is a free size, an int a fixed one.
        dtype (str): dtype of the data-sample tensor ('uint8', 'float32').
        cast (bool): True: any numeric array is converted to ``dtype``;
            False: the array must already have it.
        batching (str): One of :data:`BATCHINGS`.
        results_dims (tuple, optional): Layout of the results array when it
            differs from ``dims`` (the same names, another order); the
            packer transposes it. Default: ``dims``.
        mask_key (str, optional): For 'pad': results key of the (optional)
            bool mask of valid entries, shaped as ``dims[:-1]``.
        mask_field (str, optional): For 'pad': data-sample field of the
            mask.
        mask_input_name (str, optional): For 'pad': keyword of the batched
            mask.
    """
    results_key: str
    field: str
    input_name: str
    head: str
    dims: Tuple[Dim, ...]
    dtype: str
    cast: bool
    batching: str
    results_dims: Optional[Tuple[Dim, ...]] = None
    mask_key: Optional[str] = None
    mask_field: Optional[str] = None
    mask_input_name: Optional[str] = None

    def __post_init__(self) -> None:
        if self.batching not in BATCHINGS:
            raise ValueError(f'{self.field}: batching must be one of '
                             f'{BATCHINGS}, got {self.batching!r}')
        masked = (self.mask_key, self.mask_field, self.mask_input_name)
        if (self.batching == 'pad' and not all(masked)) or \
                (self.batching != 'pad' and any(masked)):
            raise ValueError(f'{self.field}: a mask key, field and input '
                             f'name are needed for, and only for, '
                             f"batching='pad'")
        if self.batching == 'pad' and len(self.dims) < 2:
            raise ValueError(f"{self.field}: batching='pad' needs at least "
                             f'(L, D), got dims {self.dims}')
        if self.results_dims is not None and \
                sorted(map(str, self.results_dims)) != \
                sorted(map(str, self.dims)):
            raise ValueError(f'{self.field}: results_dims '
                             f'{self.results_dims} are not a reordering of '
                             f'dims {self.dims}')

    @property
    def layout(self) -> str:
        """The data-sample layout as text, e.g. '(P, L, D)'."""
        return format_dims(self.dims)

    @property
    def results_layout(self) -> str:
        """The results layout as text, e.g. '(H, W, 3)'."""
        return format_dims(self.results_dims or self.dims)

    @property
    def results_axes(self) -> Optional[Tuple[int, ...]]:
        """Axes of the results array in data-sample order (for
        ``np.transpose``), or None when the layouts are the same."""
        if self.results_dims is None or self.results_dims == self.dims:
            return None
        return tuple(self.results_dims.index(d) for d in self.dims)

    @property
    def input_names(self) -> Tuple[str, ...]:
        """The model-input keywords of this modality (with the mask's)."""
        if self.mask_input_name is None:
            return (self.input_name, )
        return (self.input_name, self.mask_input_name)


def format_dims(dims: Sequence[Dim]) -> str:
    """'(P, L, D)' for ('P', 'L', 'D'); '(D, )' for one dim."""
    if len(dims) == 1:
        return f'({dims[0]}, )'
    return '(' + ', '.join(map(str, dims)) + ')'


#: RGB frame strip of FAM (``BuildFrameStrip``).
FRAME_STRIP = Modality(
    results_key='frame_strip',
    field='frame_strip',
    input_name='frame_strips',
    head='fam_head',
    dims=(3, 'H', 'W'),
    results_dims=('H', 'W', 3),
    dtype='uint8',
    cast=False,
    batching='normalise')

#: Cached frozen-encoder feature of the strip (``LoadStripFeature``).
STRIP_FEATURE = Modality(
    results_key='strip_feature',
    field='strip_feature',
    input_name='strip_features',
    head='fam_head',
    dims=('D', ),
    dtype='float32',
    cast=True,
    batching='stack')

#: MLLM text feature of FRM (``LoadTextFeature``,
#: ``LoadTextFeatureFromCache``): P prompts of L tokens of width D.
TEXT_FEATURE = Modality(
    results_key='text_feature',
    field='text_feature',
    input_name='text_features',
    head='frm_head',
    dims=('P', 'L', 'D'),
    dtype='float32',
    cast=True,
    batching='pad',
    mask_key='text_mask',
    mask_field='text_mask',
    mask_input_name='text_masks')

#: Every training-only modality, in packing and batching order.
MODALITIES: Tuple[Modality, ...] = (FRAME_STRIP, STRIP_FEATURE, TEXT_FEATURE)

#: Every model-input keyword the modalities give.
MODALITY_INPUT_NAMES: Tuple[str, ...] = tuple(
    name for modality in MODALITIES for name in modality.input_names)


def mask_problem(modality: Modality, feature_shape: Sequence[int],
                 mask_shape: Sequence[int], mask_dtype: str) -> str:
    """What is wrong with a modality's mask, or '' if nothing.

    Args:
        modality (Modality): A padded modality.
        feature_shape (Sequence[int]): Shape of its feature, e.g. (P, L, D).
        mask_shape (Sequence[int]): Shape of the mask; must be the
            feature's without the last dim, e.g. (P, L).
        mask_dtype (str): dtype of the mask; must be bool.
    """
    if mask_dtype == 'bool' and tuple(mask_shape) == tuple(
            feature_shape[:-1]):
        return ''
    return (f'{modality.mask_field} must be '
            f'{format_dims(modality.dims[:-1])} bool like its '
            f'{modality.field} {tuple(feature_shape)}, got '
            f'{tuple(mask_shape)} {mask_dtype}')


def head_inputs(head: str,
                inputs: Dict[str, Optional[torch.Tensor]]
                ) -> Dict[str, Optional[torch.Tensor]]:
    """The keyword inputs of the modalities that ``head`` consumes.

    Args:
        head (str): The head's attribute name, e.g. 'frm_head'.
        inputs (dict): Batched modality inputs (a subset of
            :data:`MODALITY_INPUT_NAMES`).

    Returns:
        dict: Every input name of ``head``'s modalities, None where the
        batch has none.

    Raises:
        TypeError: ``inputs`` has a keyword no modality gives.
    """
    unknown = sorted(set(inputs) - set(MODALITY_INPUT_NAMES))
    if unknown:
        raise TypeError(f'unknown modality inputs {unknown}; the modalities '
                        f'give {list(MODALITY_INPUT_NAMES)} '
                        f'(mmcl_plugin/models/modalities.py)')
    return {
        name: inputs.get(name)
        for modality in MODALITIES if modality.head == head
        for name in modality.input_names
    }


def pad_tokens(features: Sequence[torch.Tensor],
               masks: Optional[Sequence[Optional[torch.Tensor]]] = None
               ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Stack token features of different lengths, padded with zeros.

    Args:
        features (Sequence[torch.Tensor]): N tensors (..., L_i, D) that
            agree in every dim but the tokens L_i.
        masks (Sequence[torch.Tensor | None], optional): Per tensor its
            bool (..., L_i) mask of valid tokens; None (or a None entry)
            means all its tokens are valid.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: Features (N, ..., max L_i, D)
        and the bool mask (N, ..., max L_i), False at padded and masked
        tokens.

    Raises:
        ValueError: No features, or shapes / masks that do not fit.
    """
    if not features:
        raise ValueError('pad_tokens needs at least one feature')
    first = features[0]
    if first.dim() < 2:
        raise ValueError(f'token features must be (..., L, D), got shape '
                         f'{tuple(first.shape)}')
    lead, width = tuple(first.shape[:-2]), first.size(-1)
    for index, feature in enumerate(features):
        if feature.dim() != first.dim() or \
                tuple(feature.shape[:-2]) != lead or \
                feature.size(-1) != width:
            raise ValueError(f'token features #{index} of shape '
                             f'{tuple(feature.shape)} do not fit #0 of '
                             f'shape {tuple(first.shape)} (only L may '
                             f'differ)')
    length = max(feature.size(-2) for feature in features)
    batch = first.new_zeros((len(features), ) + lead + (length, width))
    mask = torch.zeros((len(features), ) + lead + (length, ),
                       dtype=torch.bool,
                       device=first.device)
    for index, feature in enumerate(features):
        size = feature.size(-2)
        batch[index, ..., :size, :] = feature
        given = None if masks is None else masks[index]
        if given is None:
            mask[index, ..., :size] = True
        elif tuple(given.shape) != tuple(feature.shape[:-1]):
            raise ValueError(f'mask #{index} has shape '
                             f'{tuple(given.shape)}, its features '
                             f'{tuple(feature.shape)} need '
                             f'{tuple(feature.shape[:-1])}')
        else:
            mask[index, ..., :size] = given.to(torch.bool)
    return batch, mask


__all__ = [
    'BATCHINGS', 'Modality', 'MODALITIES', 'MODALITY_INPUT_NAMES',
    'FRAME_STRIP', 'STRIP_FEATURE', 'TEXT_FEATURE', 'format_dims',
    'head_inputs', 'mask_problem', 'pad_tokens'
]
