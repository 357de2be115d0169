from .mmcl_recognizer import (AUX_HEAD_PREFIXES, MMCLRecognizer,
                              global_skeleton_feature)

__all__ = ['AUX_HEAD_PREFIXES', 'MMCLRecognizer', 'global_skeleton_feature']
