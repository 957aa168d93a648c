"""The target-setting workbook: :mod:`build` writes it, :mod:`read` reads an edited one back."""

from kamreport.workbook.build import build_workbook, workbook_bytes
from kamreport.workbook.read import ImportedTargets, TargetsImportError, read_workbook

__all__ = [
    "ImportedTargets",
    "TargetsImportError",
    "build_workbook",
    "read_workbook",
    "workbook_bytes",
]
