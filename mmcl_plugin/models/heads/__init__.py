from .ctrgcn_head import CTRGCNHead
from .fam_head import FAMHead
from .frm_head import FRMHead

__all__ = ['CTRGCNHead', 'FAMHead', 'FRMHead']
