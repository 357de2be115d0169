from .contrastive_loss import SymmetricInfoNCELoss, info_nce

__all__ = ['SymmetricInfoNCELoss', 'info_nce']
