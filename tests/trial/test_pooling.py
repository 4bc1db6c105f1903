"""Several files pooled into one panel: ids prefixed by their file, one time axis by timestamp,
and misaligned files refused in one line; the dataset's name that study names carry."""

from __future__ import annotations

import numpy as np
import pytest

from budget_hpo.compose import compose_config
from budget_hpo.dataset_names import dataset_name
from budget_hpo.errors import ConfigError
from budget_hpo.trial.data import load_panel
from tests.trial.test_data import long_frame, wide_frame


def pooled(compose_cfg, *paths, extra=()):
    listed = ",".join(str(p) for p in paths)
    return load_panel(compose_cfg(["data=csv", f"data.paths=[{listed}]", *extra]).data)


def test_two_files_pool_into_one_panel_with_prefixed_ids(compose_cfg, tmp_path):
    a, b = long_frame(3, 60, seed=1), long_frame(2, 60, seed=2)
    a.to_csv(tmp_path / "binance.csv", index=False)
    wide_frame(b).to_parquet(tmp_path / "kraken.parquet")  # formats and layouts may differ
    panel = pooled(compose_cfg, tmp_path / "binance.csv", tmp_path / "kraken.parquet")
    assert panel.n_series == 3 + 2 and panel.length == 60
    assert panel.ids == ("binance/s0", "binance/s1", "binance/s2", "kraken/s0", "kraken/s1")
    expected = np.hstack([a.pivot(index="ds", columns="unique_id", values="y").to_numpy(),
                          b.pivot(index="ds", columns="unique_id", values="y").to_numpy()])
    np.testing.assert_allclose(panel.values, expected)  # row t is one timestamp in every file


def test_rows_in_another_order_are_aligned_by_timestamp(compose_cfg, tmp_path):
    a, b = long_frame(2, 40, seed=1), long_frame(2, 40, seed=2)
    a.to_csv(tmp_path / "a.csv", index=False)
    b.sample(frac=1.0, random_state=3).to_csv(tmp_path / "b.csv", index=False)
    panel = pooled(compose_cfg, tmp_path / "a.csv", tmp_path / "b.csv")
    expected = b.pivot(index="ds", columns="unique_id", values="y").to_numpy()
    np.testing.assert_allclose(panel.values[:, 2:], expected)


def test_misaligned_time_axes_are_refused_in_one_line(compose_cfg, tmp_path):
    long_frame(2, 60).to_csv(tmp_path / "a.csv", index=False)
    shifted = long_frame(2, 60)
    shifted["ds"] = shifted["ds"] + np.timedelta64(5, "D")
    shifted.to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(ConfigError) as err:
        pooled(compose_cfg, tmp_path / "a.csv", tmp_path / "b.csv")
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"data.paths={tmp_path / 'a.csv'}")
    assert "lacks 5 of the 65 timestamps" in text and "data.align=intersect" in text
    # intersect keeps the 55 shared timestamps
    panel = pooled(compose_cfg, tmp_path / "a.csv", tmp_path / "b.csv",
                   extra=["data.align=intersect"])
    assert panel.length == 55 and panel.n_series == 4


@pytest.mark.parametrize(("files", "extra", "key"), [
    (("x.csv", "sub/x.csv"), (), "data.paths=x"),  # one stem twice
    (("a.csv", "steps.csv"), (), "data.paths="),  # dates and integer steps mixed
    (("a.csv", "b.csv"), ("data.align=loose",), "data.align=loose"),
    (("a.csv", "b.csv"), ("data.path=a.csv",), "data.paths="),  # path and paths together
])
def test_bad_pools_are_named(compose_cfg, tmp_path, files, extra, key):
    (tmp_path / "sub").mkdir()
    for name in ("a.csv", "b.csv", "x.csv", "sub/x.csv"):
        long_frame(2, 60).to_csv(tmp_path / name, index=False)
    long_frame(2, 60).assign(ds=lambda f: np.tile(np.arange(60), 2)).to_csv(
        tmp_path / "steps.csv", index=False)
    extra = [e.replace("=a.csv", f"={tmp_path}/a.csv") for e in extra]
    with pytest.raises(ConfigError, match=rf"^{key}"):
        pooled(compose_cfg, *(tmp_path / f for f in files), extra=extra)


def test_the_dataset_name_comes_from_data_name_the_option_or_the_files():
    assert dataset_name("fx", "csv", "/d/prices.csv", None) == "fx"
    assert dataset_name(None, "my_exchange", "/d/prices.csv", None) == "my_exchange"
    assert dataset_name(None, "csv", "/d/prices.csv", None) == "prices"
    assert dataset_name(None, "csv", None, ["/d/binance.csv", "/e/kraken.parquet"]) == \
        "binance+kraken"
    assert dataset_name("my data/v2", None, None, None) == "my_data_v2"
    composed = compose_config(["search=phase1", "data=csv", "data.paths=[/d/a.csv,/d/b.csv]"],
                              return_hydra_config=True)
    assert composed.hydra.sweeper.study_name == "budget-hpo-phase1-a+b"
    assert compose_config(["search=phase1"], return_hydra_config=True
                          ).hydra.sweeper.study_name == "budget-hpo-phase1-synthetic"
