"""Budgets as numbers: a Hydra config source that serves ``budget/<count>`` for any count.

``budget=50M`` composes without a ``conf/budget/50M.yaml``: this source answers every option of
the ``budget`` group whose name is a parameter count (``5M``, ``1.5M``, ``750k``) with
``{name: <short name>, params: <count>}``; the sizer solves the shape from it. It sits last on the
search path (:mod:`hydra_plugins.budget_hpo_plugins.searchpath`), so a budget file in any config
directory, the package's or the user's, wins over it. Light by design: Hydra imports it at every
start-up, and :mod:`budget_hpo.budget_counts` imports nothing heavy.
"""

from __future__ import annotations

import builtins

from hydra.core.object_type import ObjectType
from hydra.plugins.config_source import ConfigResult, ConfigSource
from omegaconf import OmegaConf

GROUP = "budget"


class BudgetCountSource(ConfigSource):
    """``budget-count://``: the ``budget`` group's options that are counts, made on demand."""

    @staticmethod
    def scheme() -> str:
        return "budget-count"

    def _count(self, config_path: str) -> int | None:
        from budget_hpo.budget_counts import count_or_none

        group, _, name = self._normalize_file_name(config_path).rpartition("/")
        if group != GROUP or not name.endswith(".yaml"):
            return None
        return count_or_none(name.removesuffix(".yaml"))

    def load_config(self, config_path: str) -> ConfigResult:
        from budget_hpo.budget_counts import count_name

        count = self._count(config_path)
        if count is None:
            from hydra.plugins.config_source import ConfigLoadError

            raise ConfigLoadError(f"budget-count: {config_path} names no parameter count")
        node = OmegaConf.create({"name": count_name(count), "params": count})
        return ConfigResult(config=node, path=f"{self.scheme()}://{self.path}",
                            provider=self.provider, header={"package": None})

    def available(self) -> bool:
        return True

    def is_group(self, config_path: str) -> bool:
        return config_path.strip("/") == GROUP

    def is_config(self, config_path: str) -> bool:
        return self._count(config_path) is not None

    def list(self, config_path: str, results_filter: ObjectType | None) -> builtins.list[str]:
        return []  # infinitely many: the budget files of the config dirs are what gets listed
