"""Loading user series (CSV long/wide, Parquet) and every bad-input error, before any training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.trial.data import load_panel
from budget_hpo.trial.run import run_trial
from budget_hpo.trial.synthetic import synthetic_panel
from tests.helpers import compose


def long_frame(n_series: int = 3, length: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=length, freq="D")
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i}" for i in range(n_series)], length),
            "ds": np.tile(dates, n_series),
            "y": rng.standard_normal(n_series * length),
        }
    )


def wide_frame(long: pd.DataFrame) -> pd.DataFrame:
    return long.pivot(index="ds", columns="unique_id", values="y").reset_index()


def csv_cfg(compose_cfg, path, *extra):
    return compose_cfg(["data=csv", f"data.path={path}", *extra]).data


def test_long_wide_and_parquet_give_the_same_panel(compose_cfg, tmp_path):
    long = long_frame()
    long.sample(frac=1.0, random_state=1).to_csv(tmp_path / "long.csv", index=False)  # unsorted rows
    wide_frame(long).to_csv(tmp_path / "wide.csv", index=False)
    long.to_parquet(tmp_path / "long.parquet")
    panels = [
        load_panel(csv_cfg(compose_cfg, tmp_path / name))
        for name in ("long.csv", "wide.csv", "long.parquet")
    ]
    expected = long.pivot(index="ds", columns="unique_id", values="y").to_numpy()
    for panel in panels:
        assert panel.ids == ("s0", "s1", "s2")
        np.testing.assert_allclose(panel.values, expected)


def test_custom_column_names_and_transform(compose_cfg, tmp_path):
    prices = long_frame().rename(columns={"unique_id": "ticker", "ds": "date", "y": "close"})
    prices["close"] = 100 + prices.groupby("ticker")["close"].cumsum()
    prices.to_csv(tmp_path / "p.csv", index=False)
    data = csv_cfg(
        compose_cfg, tmp_path / "p.csv",
        "data.id_col=ticker", "data.time_col=date", "data.target_col=close", "data.transform=log_diff",
    )
    panel = load_panel(data)
    levels = prices.pivot(index="date", columns="ticker", values="close").to_numpy()
    np.testing.assert_allclose(panel.values, np.diff(np.log(levels), axis=0))


def test_ffill_policy_fills_gaps_and_error_policy_names_them(compose_cfg, tmp_path):
    long = long_frame()
    long.loc[5, "y"] = np.nan
    long.to_csv(tmp_path / "gap.csv", index=False)
    with pytest.raises(ConfigError, match=r"^data\.nan_policy=error: .*series s0"):
        load_panel(csv_cfg(compose_cfg, tmp_path / "gap.csv"))
    panel = load_panel(csv_cfg(compose_cfg, tmp_path / "gap.csv", "data.nan_policy=ffill"))
    assert np.isfinite(panel.values).all() and panel.values[5, 0] == panel.values[4, 0]


BAD_TABLES = {
    "missing column": (
        lambda f: f.drop(columns=["ds"]).rename(columns={"y": "value"}),
        r"^data\.layout=.*|^data\.time_col=ds: ",
    ),
    "non-numeric target": (
        lambda f: f.assign(y=f["y"].astype(object).where(f.index != 7, "abc")),
        r"^data\.target_col \(y\)='abc': .*numeric",
    ),
    "duplicate rows": (
        lambda f: pd.concat([f, f.iloc[[3]]]),
        r"^data\.path=.*one row per \(unique_id, ds\) after parsing the times; duplicate \(s0, ",
    ),
}


@pytest.mark.parametrize("case", BAD_TABLES)
def test_bad_tables_give_one_line_naming_the_problem(compose_cfg, tmp_path, case):
    mutate, pattern = BAD_TABLES[case]
    mutate(long_frame()).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ConfigError, match=pattern) as err:
        load_panel(csv_cfg(compose_cfg, tmp_path / "bad.csv"))
    assert "\n" not in str(err.value)


def test_missing_file_is_named(compose_cfg, tmp_path):
    with pytest.raises(ConfigError, match=r"^data\.path=.*nope\.csv: .*not found"):
        load_panel(csv_cfg(compose_cfg, tmp_path / "nope.csv"))


def test_too_short_series_fails_before_training(compose_cfg, tmp_path):
    long_frame(length=100).to_csv(tmp_path / "short.csv", index=False)
    cfg = compose_cfg(["data=csv", f"data.path={tmp_path / 'short.csv'}", "trainer=smoke"])
    with pytest.raises(ConfigError, match=r"^data=100 steps: .*at least .* = 465 steps"):
        run_trial(cfg)


def test_synthetic_panel_is_seeded_and_structured():
    def spec(seed):  # the shipped generator settings (data/synthetic.yaml), smaller
        return compose(["data.generator.n_series=8", "data.generator.length=500",
                        f"data.generator.seed={seed}"]).data.generator

    a, b, c = (synthetic_panel(spec(s)) for s in (3, 3, 4))
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["y"], c["y"])
    wide = a.pivot(index="ds", columns="unique_id", values="y").to_numpy()
    # followers copy a leader with a lag: some lagged cross-correlation is strong
    lagged = max(
        abs(np.corrcoef(wide[lag:, j], wide[:-lag, i])[0, 1])
        for i in range(2) for j in range(2, 8) for lag in (1, 2, 3)
    )
    assert lagged > 0.3


def test_a_wide_file_finds_its_date_column_without_configuration(compose_cfg, tmp_path):
    wide = wide_frame(long_frame()).rename(columns={"ds": "date"})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    panel = load_panel(csv_cfg(compose_cfg, tmp_path / "wide.csv"))
    assert panel.ids == ("s0", "s1", "s2") and panel.length == 50
    wide.rename(columns={"date": "when"}).to_csv(tmp_path / "when.csv", index=False)
    assert load_panel(csv_cfg(compose_cfg, tmp_path / "when.csv")).n_series == 3  # the one text


def test_day_first_dates_mixed_with_others_are_refused_not_sorted_as_text(compose_cfg, tmp_path):
    wide = wide_frame(long_frame(length=40))
    days = [f"{d:02d}/01/2024" for d in range(1, 32)] + [f"2024-02-{d:02d}" for d in range(1, 10)]
    wide.assign(ds=days).to_csv(tmp_path / "mixed.csv", index=False)
    with pytest.raises(ConfigError, match=r"^data\.time_col=ds: '13/01/2024'"):
        load_panel(csv_cfg(compose_cfg, tmp_path / "mixed.csv"))
    wide.assign(ds=[f"{d:02d}/01/2024" for d in range(1, 32)] + [f"{d:02d}/02/2024"
                                                               for d in range(1, 10)]
                ).sample(frac=1.0, random_state=0).to_csv(tmp_path / "dayfirst.csv", index=False)
    panel = load_panel(csv_cfg(compose_cfg, tmp_path / "dayfirst.csv", "data.time_format='%d/%m/%Y'"))
    assert panel.length == 40  # sorted by date, not as text


def test_parquet_decimal_columns_read_as_numbers(compose_cfg, tmp_path):
    from decimal import Decimal

    long = long_frame()
    long["y"] = [Decimal(str(round(v, 6))) for v in long["y"]]
    long.to_parquet(tmp_path / "dec.parquet")
    panel = load_panel(csv_cfg(compose_cfg, tmp_path / "dec.parquet"))
    np.testing.assert_allclose(panel.values[:, 0], long["y"].astype(float)[:50], atol=1e-6)


def test_ffill_fills_inside_a_series_but_never_past_its_end(compose_cfg, tmp_path):
    long = long_frame()
    long.loc[[0, 1], "y"] = np.nan  # s0 starts late: those rows are dropped
    long.loc[20, "y"] = np.nan  # a gap inside s0: filled
    long.to_csv(tmp_path / "f.csv", index=False)
    panel = load_panel(csv_cfg(compose_cfg, tmp_path / "f.csv", "data.nan_policy=ffill"))
    assert panel.length == 48 and panel.values[18, 0] == panel.values[17, 0]
    long.loc[49, "y"] = np.nan  # s0 ends early: never fabricated
    long.to_csv(tmp_path / "g.csv", index=False)
    with pytest.raises(ConfigError, match="never past its last observation"):
        load_panel(csv_cfg(compose_cfg, tmp_path / "g.csv", "data.nan_policy=ffill"))
