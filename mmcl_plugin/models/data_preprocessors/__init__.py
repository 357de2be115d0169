from .mmcl_data_preprocessor import MMCLDataPreprocessor

__all__ = ['MMCLDataPreprocessor']
