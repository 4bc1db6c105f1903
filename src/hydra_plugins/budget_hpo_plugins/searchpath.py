"""Add the user's config directories to budget-hpo's search path (and to no other Hydra app's).

``$BUDGET_HPO_CONFIG_DIR`` and ``./conf`` are appended after the package's configs, as Hydra's
own ``--config-dir`` is: they add options; see :mod:`budget_hpo.config_dirs`.
"""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class BudgetHpoSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        from budget_hpo.config_dirs import CONFIG_PATH, user_config_dirs
        from budget_hpo.resolvers import register_resolvers

        register_resolvers()  # ${budget_hpo.dataset:...} in study names

        if not any(element.path == CONFIG_PATH for element in search_path.get_path()):
            return
        for folder in user_config_dirs():
            search_path.append(provider="budget-hpo-user", path=f"file://{folder}")
