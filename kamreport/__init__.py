"""kamreport: key account management analytics and reports."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, looked up in the installed metadata only when asked for: every
    command imports this package first, and the lookup costs a hundredth of a second."""
    if name != "__version__":
        raise AttributeError(f"module 'kamreport' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kamreport")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+unknown"
