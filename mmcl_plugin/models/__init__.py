from . import backbones, data_preprocessors, heads, losses, recognizers  # noqa: F401,E501
