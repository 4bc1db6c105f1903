"""The model families: each analytic count equals the parameter count of the real neuralforecast
model, sizing imports neither torch nor neuralforecast, every family trains through a real
trial, and shapes a model cannot build are refused in one line."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest
from omegaconf import OmegaConf

from budget_hpo.config_dirs import package_config_dir
from budget_hpo.errors import ConfigError
from budget_hpo.trial.architecture import Architecture, DataShape
from budget_hpo.trial.families import (
    FAMILIES,
    Family,
    constructor_kwargs,
    exact_count,
    family,
)
from budget_hpo.trial.validation import check_config
from tests.helpers import SMALL, compose

# The seed's table: (d_model, n_layers, n_heads) of the 8 forced G1 shapes.
SEED_SHAPES = [(192, 2, 4), (128, 4, 4), (320, 2, 4), (192, 5, 4), (768, 3, 8), (384, 12, 8),
               (1536, 8, 16), (768, 28, 16)]
NAMES = sorted(FAMILIES)


def yaml_kwargs(name: str) -> dict[str, Any]:
    """The ``kwargs:`` the model's option file sets (``{}`` when it sets none)."""
    option = OmegaConf.load(package_config_dir() / "model" / f"{name}.yaml")
    return dict(option.get("kwargs", {}))


@pytest.fixture(scope="module")
def meta_count():
    """Build a real neuralforecast model on the ``meta`` device and count its parameters
    (neuralforecast is imported once, here)."""
    import torch
    from neuralforecast import models as nf_models
    from neuralforecast.losses.pytorch import MSE

    from budget_hpo.trial.models import count_parameters, quiet_lightning

    quiet_lightning()

    def count(fam: Family, kwargs: Mapping[str, Any]) -> int:
        with torch.device("meta"):
            model = getattr(nf_models, fam.class_name)(
                **kwargs, loss=MSE(), logger=False, enable_model_summary=False)
        return count_parameters(model)

    return count


def seed_arch(fam: Family, d_model: int, n_layers: int, n_heads: int) -> Architecture:
    return Architecture(d_model, n_layers, fam.fixed_heads or n_heads, 4 * d_model)


@pytest.mark.parametrize("name", NAMES)
def test_the_count_equals_the_built_model_at_the_seed_shapes(meta_count, name):
    fam = family(name)
    extra = yaml_kwargs(name)
    for i, (d_model, n_layers, n_heads) in enumerate(SEED_SHAPES):
        arch = seed_arch(fam, d_model, n_layers, n_heads)
        shape = DataShape(n_series=(200, 12, 7)[i % 3], input_size=(64, 96, 128)[i % 3],
                          horizon=(1, 5, 24)[i % 3])
        built = meta_count(fam, constructor_kwargs(fam, arch, shape, extra))
        assert exact_count(fam, arch, shape, extra) == built, (arch, shape)


def random_case(fam: Family, rng: random.Random) -> tuple[Architecture, DataShape, dict]:
    """A random buildable shape, with the arguments the count depends on varied too."""
    n_heads = fam.fixed_heads or rng.choice([1, 2, 4, 8])
    d_model = n_heads * 2 * rng.randint(1, 24)  # even: sinusoidal positions need it
    arch = Architecture(d_model, rng.randint(1, 6), n_heads,
                        rng.choice([d_model, 4 * d_model, rng.randint(1, 300)]))
    shape = DataShape(rng.randint(1, 60), rng.randint(8, 200), rng.randint(1, 30))
    extra: dict[str, Any] = {"scaler_type": rng.choice(["identity", "revin", "robust"])}
    if fam.name in ("patchtst", "timexer"):
        extra["patch_len"] = rng.randint(1, shape.input_size)
    if fam.name == "patchtst":
        extra |= {"stride": rng.randint(1, 24), "revin_affine": rng.random() < 0.5}
    if fam.name == "informer":
        extra["distil"] = rng.random() < 0.5
    if fam.name == "fedformer":
        extra["modes"] = rng.randint(1, 80)
    if fam.name in ("vanillatransformer", "informer", "autoformer", "fedformer"):
        extra["decoder_layers"] = rng.randint(1, 3)
    return arch, shape, extra


@pytest.mark.parametrize("name", NAMES)
def test_the_count_equals_the_built_model_at_random_shapes(meta_count, name):
    fam = family(name)
    rng = random.Random(f"families-{name}")
    for _ in range(5):
        arch, shape, extra = random_case(fam, rng)
        built = meta_count(fam, constructor_kwargs(fam, arch, shape, extra))
        assert exact_count(fam, arch, shape, extra) == built, (arch, shape, extra)


@pytest.mark.parametrize("name", NAMES)
def test_the_count_uses_neuralforecasts_defaults_for_absent_arguments(meta_count, name):
    fam = family(name)
    required = {"h": 3, "input_size": 48, **({"n_series": 5} if fam.multivariate else {})}
    assert fam.count(required) == meta_count(fam, required)


@pytest.mark.parametrize("name", NAMES)
def test_the_count_equals_the_project_build_of_the_composed_config(name):
    """build_model (on the meta device) builds what constructor_kwargs describes."""
    from budget_hpo.trial.models import exact_parameter_count

    cfg = compose([f"model={name}"])
    arch = check_config(cfg)
    shape = DataShape.from_config(cfg, n_series=9)
    assert exact_parameter_count(cfg, arch, 9) == exact_count(
        family(name), arch, shape, dict(cfg.model.kwargs))


def test_itransformer_at_750k_shallow_is_the_measured_count():
    """DESIGN.md: 902,785 parameters for 750k/shallow with 200 series."""
    arch = Architecture(192, 2, 4, 768)
    assert exact_count(family("itransformer"), arch, DataShape(200, 64, 1)) == 902_785


def test_patchtst_grows_with_the_lookback_and_timexer_with_the_series():
    arch = Architecture(64, 2, 4, 256)
    patchtst, timexer = family("patchtst"), family("timexer")
    short, long = DataShape(4, 64, 1), DataShape(4, 128, 1)
    assert exact_count(patchtst, arch, long) - exact_count(patchtst, arch, short) == (
        # 8 more patches (stride 8): their learned positions and flatten-head inputs
        8 * 64 + 8 * 64 * 1)
    assert exact_count(timexer, arch, DataShape(10, 64, 1)) - exact_count(
        timexer, arch, DataShape(4, 64, 1)) == 6 * 64  # a global token per series
    assert exact_count(family("itransformer"), arch, DataShape(10, 64, 1)) == exact_count(
        family("itransformer"), arch, DataShape(4, 64, 1))  # one shared embedding


def test_fedformer_shares_each_fourier_block_across_its_layers():
    """Its encoder layers share one Fourier block: the count grows by the projections and
    feed-forward network only, not by another block of weights."""
    fam, shape = family("fedformer"), DataShape(1, 64, 1)
    one, two = (exact_count(fam, Architecture(64, n, 8, 256), shape) for n in (2, 3))
    layer = 4 * (64 * 64 + 64) + 2 * 64 * 256  # projections with bias, convolutions without
    assert two - one == layer


def test_sizing_imports_neither_torch_nor_neuralforecast():
    code = (
        "import json, sys, time\n"
        "start = time.perf_counter()\n"
        "from budget_hpo.trial.architecture import Architecture, DataShape\n"
        "from budget_hpo.trial.families import FAMILIES, exact_count\n"
        "counts = [exact_count(f, Architecture(768, 28, f.fixed_heads or 16, 3072),\n"
        "                      DataShape(200, 64, 1)) for f in FAMILIES.values()]\n"
        "heavy = [m for m in ('torch', 'neuralforecast', 'pytorch_lightning')\n"
        "         if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'seconds': time.perf_counter() - start,\n"
        "                  'counts': counts}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    report = json.loads(proc.stdout)
    assert report["heavy"] == []
    assert report["seconds"] < 3.0
    assert len(report["counts"]) == len(FAMILIES) and min(report["counts"]) > 150_000_000


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_family_trains_a_smoke_trial_and_records_its_analytic_count(name):
    from budget_hpo.trial.run import run_trial

    cfg = compose([*SMALL, f"model={name}"])
    result = run_trial(cfg)
    arch = check_config(cfg)
    shape = DataShape.from_config(cfg, result.n_series)
    assert result.model == name and 0.0 <= result.val_auc <= 1.0
    assert (result.d_model, result.n_layers, result.n_heads) == (
        arch.d_model, arch.n_layers, arch.n_heads)
    if family(name).fixed_heads is not None:  # FEDformer: its one head count
        assert result.n_heads == family(name).fixed_heads
    assert result.shape == ("pinned" if name == "itransformer" else "solved")
    if result.shape == "solved":  # sized by its own exact count, within the tolerance
        assert abs(result.params_exact / result.budget_params - 1) <= cfg.budget.tolerance
    assert result.params_exact == exact_count(family(name), arch, shape, dict(cfg.model.kwargs))


# --- bad input ---------------------------------------------------------------------------------


def assert_one_line(err: ConfigError, key: str, allowed: str) -> None:
    text = str(err)
    assert "\n" not in text
    assert text.startswith(f"{key}="), text
    assert allowed in err.allowed, text


def test_fedformer_refuses_any_head_count_but_eight():
    with pytest.raises(ConfigError) as err:
        exact_count(family("fedformer"), Architecture(192, 2, 4, 768), DataShape(1, 64, 1))
    assert_one_line(err.value, "model.n_heads", "8")
    with pytest.raises(ConfigError) as err:
        check_config(compose(["model=fedformer", "model.n_heads=16"]))
    assert_one_line(err.value, "model.n_heads", "8")


@pytest.mark.parametrize("budget", ["750k", "5M"])
def test_fedformer_is_sized_with_its_eight_heads(budget):
    cfg = compose(["model=fedformer", f"budget={budget}"])
    arch = check_config(cfg)
    assert arch.n_heads == 8 and arch.d_model % 8 == 0


@pytest.mark.parametrize("name", NAMES)
def test_heads_that_do_not_divide_d_model_are_refused(name):
    fam = family(name)  # FEDformer's 8 heads do not divide 196; 5 heads do not divide 192
    arch = Architecture(196, 2, 8, 784) if fam.fixed_heads else Architecture(192, 2, 5, 768)
    with pytest.raises(ConfigError) as err:
        exact_count(fam, arch, DataShape(3, 64, 1))
    assert_one_line(err.value, "model.n_heads", "a divisor of d_model")


def test_an_unknown_model_is_refused_naming_every_family():
    with pytest.raises(ConfigError) as err:
        family("lstm")
    assert_one_line(err.value, "model", " | ".join(FAMILIES))
    with pytest.raises(ConfigError) as err:
        check_config(compose(["model.name=lstm"]))
    assert_one_line(err.value, "model", "timexer | tiny")


@pytest.mark.parametrize("name", ["patchtst", "timexer"])
def test_a_patch_longer_than_the_lookback_is_refused(name):
    with pytest.raises(ConfigError) as err:
        check_config(compose([f"model={name}", "model.input_size=12"]))  # patch_len 16
    assert_one_line(err.value, "model.kwargs.patch_len", "input_size=12")


@pytest.mark.parametrize("name", ["vanillatransformer", "informer", "timexer"])
def test_an_odd_width_is_refused_where_neuralforecast_cannot_build_it(meta_count, name):
    fam, arch, shape = family(name), Architecture(150, 2, 2, 600), DataShape(3, 64, 1)
    exact_count(fam, arch, shape)  # even: builds
    odd = Architecture(195, 2, 5, 780)
    with pytest.raises(ConfigError) as err:
        exact_count(fam, odd, shape)
    assert_one_line(err.value, "d_model", "even")
    with pytest.raises(RuntimeError):  # the refusal is real: neuralforecast fails to build it
        meta_count(fam, constructor_kwargs(fam, odd, shape))
    assert exact_count(family("autoformer"), odd, shape) > 0  # no sinusoidal positions: fine


def test_exogenous_inputs_are_refused():
    with pytest.raises(ConfigError) as err:
        exact_count(family("itransformer"), Architecture(64, 2, 4, 256), DataShape(3, 64, 1),
                    {"futr_exog_list": ["price"]})
    assert_one_line(err.value, "model.kwargs.futr_exog_list", "no exogenous")


def test_encoder_decoders_refuse_a_decoder_input_of_none_or_all_of_the_lookback():
    with pytest.raises(ConfigError) as err:
        exact_count(family("informer"), Architecture(64, 2, 4, 256), DataShape(3, 64, 1),
                    {"decoder_input_size_multiplier": 1.0})
    assert_one_line(err.value, "model.kwargs.decoder_input_size_multiplier", "input_size=64")
