"""Answers of a multimodal LLM about frame strips, with the hidden states
of the answer tokens (the FRM's "token features").

Which hidden state belongs to an answer token: greedy decoding step ``i``
runs the language model on the previous token (on the whole prompt at step
0) and its hidden state at the last position predicts answer token ``i``.
That state, at the configured layer, is row ``i`` of the token features;
so row 0 is the state after reading the question, and the last row is the
state that produced the end-of-sequence token (kept: it has read the whole
answer). Steps after the end of sequence (padding of finished answers in a
batch) are dropped, so a sample's features do not depend on the other
samples of its batch beyond floating-point noise.

Beside the answer ids, each answer keeps the ids ``generate()`` returned
for it (:attr:`GeneratedAnswer.sequence_ids`): models that decode from a
start token (BLIP VQA's text decoder, encoder-decoder language models)
return it first, so for BLIP VQA a one-word answer is ``[DEC] yes [SEP]``,
the (1, 3) id vector the MMCL release feeds its FRM (``LLMs/blip.py``
saves ``model(image, question, inference='generate')`` of a BLIP VQA
model whose ``generate`` returns the decoder's ids).
"""
import dataclasses
from typing import FrozenSet, List, Optional, Sequence

import numpy as np
import torch

from .model_loading import load_mllm, resolve_compute_dtype
from .prompts import prompt_text
from .settings import ExtractionSettings


@dataclasses.dataclass
class GeneratedAnswer:
    """One answer.

    Attributes:
        answer (str): Its text (special tokens skipped).
        token_ids (np.ndarray): (L, ) ids of the answer tokens, through the
            first stop token.
        features (np.ndarray): (L, D) float32 token features.
        sequence_ids (np.ndarray): (S, ) the ids ``generate()`` returned
            for this answer without padding: the decoder's start token
            when the model decodes from one, then ``token_ids``.
    """

    answer: str
    token_ids: np.ndarray
    features: np.ndarray
    sequence_ids: np.ndarray


def decodes_from_start_token(model) -> bool:
    """Whether ``generate()`` returns a decoder start token before the
    answer (BLIP VQA's text decoder starts from its ``bos``;
    encoder-decoder language models from ``decoder_start_token_id``)
    rather than the prompt (decoder-only models)."""
    config = model.config
    if config.model_type == 'blip' and hasattr(model, 'text_decoder'):
        return True
    return bool(
        getattr(config.get_text_config(decoder=True), 'is_encoder_decoder',
                False) or getattr(config, 'is_encoder_decoder', False))


def _as_id_set(value) -> set:
    if value is None:
        return set()
    if isinstance(value, (list, tuple, set)):
        return {int(v) for v in value}
    if isinstance(value, torch.Tensor):
        return {int(v) for v in value.flatten().tolist()}
    return {int(value)}


def stop_token_ids(model,
                   generate_kwargs: Optional[dict] = None) -> FrozenSet[int]:
    """The token ids that end an answer.

    The generation config's ``eos_token_id`` (or the one in
    ``generate_kwargs``); BLIP's VQA model stops at its text config's
    ``sep_token_id``, which its own ``generate`` passes as the end token.
    """
    ids = _as_id_set((generate_kwargs
                      or {}).get('eos_token_id',
                                 model.generation_config.eos_token_id))
    config = model.config
    if config.model_type == 'blip' and hasattr(model, 'text_decoder'):
        ids |= _as_id_set(config.text_config.sep_token_id)
    return frozenset(ids)


def answer_lengths(new_tokens: torch.Tensor,
                   stop_ids: FrozenSet[int]) -> List[int]:
    """Length of each answer: up to and including its first stop token.

    Args:
        new_tokens (torch.Tensor): (B, S) generated token ids.
        stop_ids (frozenset[int]): End-of-answer ids.

    Returns:
        list[int]: B lengths in [1, S] (S when no stop token came).
    """
    num_steps = new_tokens.size(1)
    if not stop_ids:
        return [num_steps] * new_tokens.size(0)
    is_stop = torch.zeros_like(new_tokens, dtype=torch.bool)
    for stop in stop_ids:
        is_stop |= new_tokens == stop
    lengths = []
    for row in is_stop:
        hits = torch.nonzero(row)
        lengths.append(int(hits[0]) + 1 if len(hits) else num_steps)
    return lengths


def step_hidden_states(output) -> Sequence[Sequence[torch.Tensor]]:
    """Per generation step, the language model's hidden states per layer.

    Decoder-only models report them as ``hidden_states``, encoder-decoder
    models (BLIP-2 with Flan-T5) as ``decoder_hidden_states``.

    Raises:
        ValueError: The output has none (``generate`` ignored
            ``output_hidden_states``).
    """
    steps = getattr(output, 'decoder_hidden_states', None)
    if steps is None:
        steps = getattr(output, 'hidden_states', None)
    if not steps:
        raise ValueError('generate() returned no hidden states; this model '
                         'does not support output_hidden_states')
    return steps


def answer_token_states(steps: Sequence[Sequence[torch.Tensor]],
                        layer: int) -> torch.Tensor:
    """Last-position hidden state of every step at ``layer``.

    Args:
        steps: Per step, a tuple of (B, seq, D) states (embeddings first).
        layer (int): Index into that tuple (negative from the end).

    Returns:
        torch.Tensor: (B, S, D) float32 on the CPU.

    Raises:
        IndexError: ``layer`` is out of range (message gives the range).
    """
    num_layers = len(steps[0])
    if not -num_layers <= layer < num_layers:
        raise IndexError(f'layer {layer} out of range: the language model '
                         f'has {num_layers} hidden states (embeddings and '
                         f'{num_layers - 1} layers), use -{num_layers} to '
                         f'{num_layers - 1}')
    return torch.stack([step[layer][:, -1, :] for step in steps],
                       dim=1).float().cpu()


class MLLMAnswerExtractor:
    """Ask a multimodal LLM about strips; return answers and token
    features.

    Batched greedy generation; decoder-only language models get left
    padding so that the last prompt position is the same for every sample
    of a batch.

    Args:
        settings (ExtractionSettings): Model, prompts, generation, layer.
        device (str | torch.device): Where the model runs.
    """

    def __init__(self, settings: ExtractionSettings, device='cpu') -> None:
        self.settings = settings
        self.device = torch.device(device)
        self.compute_dtype = resolve_compute_dtype(settings.dtype, self.device)
        self.model, self.processor, self.auto_class = load_mllm(
            settings.model, settings.auto_class, self.compute_dtype,
            self.device, settings.trust_remote_code)
        config = self.model.config
        self.model_type = config.model_type
        self.tokenizer = getattr(self.processor, 'tokenizer', self.processor)
        if not getattr(config, 'is_encoder_decoder', False):
            self.tokenizer.padding_side = 'left'
        self.prompt_texts = [
            prompt_text(self.processor, self.model_type, prompt,
                        settings.prompt_template)
            for prompt in settings.prompts
        ]
        self.stop_ids = stop_token_ids(self.model, settings.generate_kwargs)
        self.start_token = decodes_from_start_token(self.model)
        self.hidden_size = int(
            config.get_text_config(decoder=True).hidden_size)
        self._generate_kwargs = dict(
            max_new_tokens=settings.max_new_tokens,
            do_sample=False,
            num_beams=1,
            output_hidden_states=True,
            return_dict_in_generate=True,
            **settings.generate_kwargs)
        # generate() fills answers that end early in a batch with the pad
        # token; without one in the generation config it warns on every
        # call and falls back to the end token
        if self.model.generation_config.pad_token_id is None and \
                'pad_token_id' not in settings.generate_kwargs:
            pad = self.tokenizer.pad_token_id
            if pad is None and self.stop_ids:
                pad = min(self.stop_ids)
            self._generate_kwargs['pad_token_id'] = pad

    def _model_inputs(self, images: Sequence[np.ndarray], text: str) -> dict:
        inputs = self.processor(
            images=list(images),
            text=[text] * len(images),
            return_tensors='pt',
            padding=True)
        dtype = getattr(torch, self.compute_dtype)
        moved = {}
        for key, value in inputs.items():
            if isinstance(value, torch.Tensor):
                value = value.to(self.device)
                if value.is_floating_point():
                    value = value.to(dtype)
            moved[key] = value
        return moved

    @torch.inference_mode()
    def __call__(self,
                 images: Sequence[np.ndarray],
                 prompt: int = 0) -> List[GeneratedAnswer]:
        """Answer prompt ``prompt`` about each strip.

        Args:
            images (Sequence[np.ndarray]): (H, W, 3) uint8 RGB strips.
            prompt (int): Index into ``settings.prompts``.

        Returns:
            list[GeneratedAnswer]: One per strip, in order.
        """
        if not images:
            return []
        inputs = self._model_inputs(images, self.prompt_texts[prompt])
        output = self.model.generate(**inputs, **self._generate_kwargs)
        states = answer_token_states(
            step_hidden_states(output), self.settings.layer)
        if states.size(-1) != self.hidden_size:
            raise ValueError(f'hidden states of layer {self.settings.layer} '
                             f'have width {states.size(-1)}, the text config '
                             f'says hidden_size={self.hidden_size}')
        # generate() appends one token per step after whatever it returns
        # before them (prompt ids, a start token, or nothing)
        num_steps = states.size(1)
        first = output.sequences.size(1) - num_steps
        if self.start_token and first < 1:
            raise ValueError('generate() returned no decoder start token '
                             'before the answer')
        first -= int(self.start_token)
        sequences = output.sequences[:, first:].cpu()
        new_tokens = sequences[:, -num_steps:]
        del output  # the states of every layer and step: free them now
        answers = []
        for i, length in enumerate(answer_lengths(new_tokens, self.stop_ids)):
            ids = new_tokens[i, :length]
            answers.append(
                GeneratedAnswer(
                    answer=self.tokenizer.decode(
                        ids, skip_special_tokens=True).strip(),
                    token_ids=ids.numpy(),
                    features=states[i, :length].numpy(),
                    sequence_ids=sequences[
                        i, :length + int(self.start_token)].numpy()))
        return answers


__all__ = [
    'MLLMAnswerExtractor', 'GeneratedAnswer', 'answer_lengths',
    'answer_token_states', 'decodes_from_start_token', 'stop_token_ids',
    'step_hidden_states'
]
