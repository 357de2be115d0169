from . import backbones, data_preprocessors, heads, losses, recognizers, utils  # noqa: F401,E501
