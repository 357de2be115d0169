from .fam_head import FAMHead
from .frm_head import FRMHead

__all__ = ['FAMHead', 'FRMHead']
