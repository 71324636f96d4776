"""mmprp.models.data_preprocessors."""
from .prp_data_preprocessor import PRPDataPreprocessor

__all__ = ['PRPDataPreprocessor']
