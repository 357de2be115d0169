"""A config whose formatted text is computed once per content."""
from mmengine.config import Config


class FormatOnceConfig(Config):
    """:class:`mmengine.config.Config` that formats its text once per
    content.

    ``Config.pretty_text`` formats the whole config with yapf, about a
    second of CPU for an MMCL config, and mmengine's runner asks for it
    four times at start-up (the log, the work dir's copy, the visualizer's
    copy, the runtime info) and once more at every checkpoint save (the
    ``meta['cfg']`` of the file). This class keeps the text with the
    content it was made from (``repr`` of :meth:`to_dict`) and formats
    again only when the content has changed, so the text is always the
    one ``Config`` gives.
    """

    @classmethod
    def of(cls, cfg: Config) -> 'FormatOnceConfig':
        """The same config (shared content, as :meth:`Config.copy`) as a
        :class:`FormatOnceConfig`."""
        other = cls.__new__(cls)
        other.__setstate__(cfg.__getstate__())
        return other

    @property
    def pretty_text(self) -> str:
        """``Config.pretty_text``, formatted again only after a change."""
        content = repr(self.to_dict())
        cached = self.__dict__.get('_formatted')
        if cached is None or cached[0] != content:
            cached = (content, super().pretty_text)
            # Config.__setattr__ writes config keys: set the attribute
            object.__setattr__(self, '_formatted', cached)
        return cached[1]


__all__ = ['FormatOnceConfig']
