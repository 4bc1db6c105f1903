"""The one error type for bad input: one line naming the key, the bad value and what is allowed."""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "TrialFailed"]


class ConfigError(ValueError):
    """Bad input detected before any training; ``str(err)`` is a single line."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={value!s}: invalid; allowed: {allowed}")


class TrialFailed(RuntimeError):
    """A trial that started but cannot produce a number (diverged, NaN forecasts, ...)."""
