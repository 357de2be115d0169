"""Turning a question into a model's text input."""

#: Plain templates of families whose processors have no chat template and
#: whose models were trained on a fixed question format.
PLAIN_TEMPLATES = {
    'blip-2': 'Question: {prompt} Answer:',
}


def has_chat_template(processor) -> bool:
    """Whether the processor (or its tokenizer) has a chat template."""
    return bool(getattr(processor, 'chat_template', None))


def prompt_text(processor,
                model_type: str,
                prompt: str,
                template: str = 'auto') -> str:
    """The text that goes with the strip into the processor.

    Args:
        processor: The model's transformers processor.
        model_type (str): ``config.model_type`` (for the plain templates).
        prompt (str): The question.
        template (str): 'auto' (the chat template if the processor has
            one, else :data:`PLAIN_TEMPLATES` or the bare question),
            'chat', or a string in which ``{prompt}`` is replaced.

    Returns:
        str: One user turn with the image and the question, and the
        generation prompt (chat), or the formatted question.

    Raises:
        ValueError: 'chat' for a processor without a chat template.
    """
    if template == 'auto':
        template = 'chat' if has_chat_template(processor) else \
            PLAIN_TEMPLATES.get(model_type, '{prompt}')
    if template == 'chat':
        if not has_chat_template(processor):
            raise ValueError(
                f'the {type(processor).__name__} of this {model_type} model '
                f'has no chat template; set prompt_template to a format '
                f'string with {{prompt}}')
        messages = [{
            'role':
            'user',
            'content': [{
                'type': 'image'
            }, {
                'type': 'text',
                'text': prompt
            }]
        }]
        return processor.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False)
    # replace, not format: templates may contain other braces
    return template.replace('{prompt}', prompt)


__all__ = ['prompt_text', 'PLAIN_TEMPLATES']
