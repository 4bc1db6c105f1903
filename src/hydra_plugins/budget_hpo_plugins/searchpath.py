"""Add the user's config directories, then the budget counts, to budget-hpo's search path (and to
no other Hydra app's).

``$BUDGET_HPO_CONFIG_DIR``, ``./conf`` and the directories the command line names
(``--config-dir``, which Hydra itself adds only after this plugin) are appended after the
package's configs: they add options; see :mod:`budget_hpo.config_dirs`. The budget counts
(:mod:`hydra_plugins.budget_hpo_plugins.budget_source`) come last, so that any budget file wins
over the count of the same name.
"""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class BudgetHpoSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        from budget_hpo.config_dirs import CONFIG_PATH, named_dirs, user_config_dirs
        from budget_hpo.resolvers import register_resolvers

        register_resolvers()  # ${budget_hpo.dataset:...} in study names

        if not any(element.path == CONFIG_PATH for element in search_path.get_path()):
            return
        known = {element.path for element in search_path.get_path()}
        for folder in [*user_config_dirs(), *named_dirs()]:
            path = f"file://{folder.resolve()}"
            if path not in known:
                search_path.append(provider="budget-hpo-user", path=path)
                known.add(path)
        search_path.append(provider="budget-hpo-counts", path="budget-count://")
