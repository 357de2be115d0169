"""Settings of a text-feature extraction run.

Everything that changes the stored features is a setting here, so that the
cache can record them (:meth:`ExtractionSettings.feature_identity`) and
refuse to mix features made with other ones. Settings that only change
speed (batch size, workers, device count) are not part of it.
"""
import dataclasses
from typing import Any, Dict, Optional, Sequence, Tuple

#: The paper's question about the frame strip (MMCL, ACM MM 2024).
DEFAULT_PROMPT = 'whether the people are holding objects?'

#: Torch dtypes the model may run in ('auto': bfloat16 on a GPU that
#: supports it, else float32).
COMPUTE_DTYPES = ('auto', 'float32', 'bfloat16', 'float16', 'float64')
#: Dtypes the features may be stored in.
STORAGE_DTYPES = ('float16', 'float32')
#: Which transformers Auto class loads the model ('auto': from the
#: architectures of its config, see ``model_loading.resolve_auto_class``).
AUTO_CLASSES = ('auto', 'image-text-to-text', 'visual-question-answering')
#: Pooled vector stored beside the token features (None: none).
POOLINGS = (None, 'mean')

#: generate() arguments that the token features cannot be defined for:
#: sampling is not reproducible, beams reorder the hidden states.
FORBIDDEN_GENERATE_KWARGS = {
    'do_sample': 'sampling is not reproducible; decoding is greedy',
    'num_beams': 'beam search reorders the hidden states; decoding is '
    'greedy',
    'num_return_sequences': 'one answer per sample and prompt',
    'output_hidden_states': 'set by the extractor',
    'return_dict_in_generate': 'set by the extractor',
    'max_new_tokens': 'use the max_new_tokens setting',
}


@dataclasses.dataclass
class ExtractionSettings:
    """What to extract from which model.

    Args:
        model (str): Local directory or hub id, loaded with transformers'
            ``from_pretrained``.
        prompts (Sequence[str]): Questions asked about every strip; each
            sample gets one answer per prompt. Defaults to the paper's
            :data:`DEFAULT_PROMPT`.
        prompt_template (str): How a prompt becomes the model's text input:
            'auto' (the processor's chat template if it has one, else the
            family's plain template, see ``prompts.PLAIN_TEMPLATES``),
            'chat', or a format string with ``{prompt}`` (e.g.
            ``'USER: <image>\\n{prompt} ASSISTANT:'``).
        max_new_tokens (int): Longest answer, in tokens. Defaults to 32.
        layer (int): Which hidden state of the language model is kept per
            answer token, as an index into transformers' ``hidden_states``
            (0: embeddings, -1: last layer). Defaults to -1.
        dtype (str): Compute dtype, one of :data:`COMPUTE_DTYPES`.
        storage_dtype (str): Stored dtype of the features, 'float16'
            (default) or 'float32'.
        pool (str, optional): Also store the mean of the token features
            ('mean', the default) or not (None).
        sentence_encoder (str, optional): A sentence-transformers model
            (directory or hub id) that also embeds each answer text into one
            vector (the second route). None: not used.
        auto_class (str): One of :data:`AUTO_CLASSES`.
        trust_remote_code (bool): Passed to ``from_pretrained`` for models
            whose code is not part of transformers. Defaults to False.
        generate_kwargs (dict): Further greedy ``generate`` arguments, e.g.
            ``dict(repetition_penalty=1.1)``; sampling and beams are
            refused (:data:`FORBIDDEN_GENERATE_KWARGS`).
        token_ids (bool): Also store the ids ``generate()`` returned for
            each answer (decoder start token, answer, stop token: for BLIP
            VQA and a one-word answer the (3, ) vector ``[DEC] yes [SEP]``
            that the MMCL release feeds its FRM). Defaults to False.
    """

    model: str
    prompts: Tuple[str, ...] = (DEFAULT_PROMPT, )
    prompt_template: str = 'auto'
    max_new_tokens: int = 32
    layer: int = -1
    dtype: str = 'auto'
    storage_dtype: str = 'float16'
    pool: Optional[str] = 'mean'
    sentence_encoder: Optional[str] = None
    auto_class: str = 'auto'
    trust_remote_code: bool = False
    generate_kwargs: Dict[str, Any] = dataclasses.field(default_factory=dict)
    token_ids: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.prompts, str):
            self.prompts = (self.prompts, )
        self.prompts = tuple(self.prompts)
        self.generate_kwargs = dict(self.generate_kwargs or {})
        problems = settings_problems(self)
        if problems:
            raise ValueError('invalid text-feature extraction settings: ' +
                             '; '.join(problems))

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> 'ExtractionSettings':
        """Settings from a config dict; unknown keys are an error.

        Raises:
            ValueError: An unknown key (with the known ones) or a bad value.
        """
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f'unknown text-feature extraction settings '
                             f'{unknown}; known: {sorted(known)}')
        return cls(**values)

    def feature_identity(self, compute_dtype: str) -> Dict[str, Any]:
        """The settings that determine the stored features.

        Args:
            compute_dtype (str): The resolved compute dtype ('auto' is
                resolved by the caller, since it depends on the device).

        Returns:
            dict: JSON-serialisable; equal dicts mean interchangeable
            features.
        """
        identity = dict(
            model=self.model,
            prompts=list(self.prompts),
            prompt_template=self.prompt_template,
            max_new_tokens=self.max_new_tokens,
            layer=self.layer,
            compute_dtype=compute_dtype,
            storage_dtype=self.storage_dtype,
            sentence_encoder=self.sentence_encoder,
            auto_class=self.auto_class,
            generate_kwargs={
                key: self.generate_kwargs[key]
                for key in sorted(self.generate_kwargs)
            },
            decoding='greedy')
        # only when stored: caches made before this setting keep their
        # identity (and fingerprint)
        if self.token_ids:
            identity['token_ids'] = True
        return identity


def settings_problems(settings: ExtractionSettings) -> Sequence[str]:
    """What is wrong with ``settings``; empty if nothing."""
    problems = []
    if not isinstance(settings.model, str) or not settings.model:
        problems.append('`model` must be a directory or hub id')
    if not settings.prompts:
        problems.append('`prompts` is empty')
    for prompt in settings.prompts:
        if not isinstance(prompt, str) or not prompt.strip():
            problems.append(f'prompt {prompt!r} is not a non-empty string')
    if len(set(settings.prompts)) != len(settings.prompts):
        problems.append(f'`prompts` has duplicates: {settings.prompts}')
    template = settings.prompt_template
    if template not in ('auto', 'chat') and '{prompt}' not in template:
        problems.append(f'prompt_template {template!r} is neither '
                        "'auto', 'chat' nor a format string with {prompt}")
    if not isinstance(settings.max_new_tokens, int) or \
            settings.max_new_tokens < 1:
        problems.append(f'max_new_tokens must be a positive int, got '
                        f'{settings.max_new_tokens!r}')
    if not isinstance(settings.layer, int):
        problems.append(f'layer must be an int, got {settings.layer!r}')
    if not isinstance(settings.token_ids, bool):
        problems.append(f'token_ids must be True or False, got '
                        f'{settings.token_ids!r}')
    for name, allowed in (('dtype', COMPUTE_DTYPES), ('storage_dtype',
                                                      STORAGE_DTYPES),
                          ('pool', POOLINGS), ('auto_class', AUTO_CLASSES)):
        if getattr(settings, name) not in allowed:
            problems.append(f'{name} must be one of {allowed}, got '
                            f'{getattr(settings, name)!r}')
    for key, reason in FORBIDDEN_GENERATE_KWARGS.items():
        if key in settings.generate_kwargs:
            problems.append(f'generate_kwargs may not set {key!r} '
                            f'({reason})')
    return problems


__all__ = ['ExtractionSettings', 'DEFAULT_PROMPT']
