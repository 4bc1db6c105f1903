#!/usr/bin/env bash
# The GPU path checked in one go, on a machine with an NVIDIA GPU (run from the repository root,
# the package installed with a CUDA build of torch):
#
#   bash scripts/gpu_check.sh [OUT]          # OUT: where the results go (default: gpu_check)
#
# 1. scripts/bench_trial.py --device cuda --budgets 20M,200M --quick: bf16 MFU of the 20M and
#    200M configs against the bf16 matmul rate measured in the same run (target >= 45 %);
# 2. a smoke phase 1 with trainer=gpu: the 8 G1 forced configs (all four budgets x both styles),
#    STEPS training steps each (default 30), on its own SQLite study in OUT; then the study's
#    trials one per line (state, budget/style, training seconds, val AUC or the failure).
#
# Results: OUT/device.txt, OUT/bench_trial.txt, OUT/phase1.txt, OUT/trials.txt, OUT/summary.md
# (the sweep itself under OUT/sweep). TRAINER=cpu runs step 2 on the CPU (a dry run of this
# script on a machine without a GPU; step 1 is then skipped).
set -uo pipefail
OUT=${1:-gpu_check}
STEPS=${STEPS:-30}
TRAINER=${TRAINER:-gpu}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
status=0

{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || true
  python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'available', torch.cuda.is_available())"; } | tee "$OUT/device.txt"

if [ "$TRAINER" = gpu ]; then
  python scripts/bench_trial.py --device cuda --budgets 20M,200M --quick 2>&1 \
    | tee "$OUT/bench_trial.txt" || status=1
fi

budget-hpo -m search=phase1 "trainer=$TRAINER" "trainer.max_steps=$STEPS" trainer.eval_step=20 \
  hydra.sweeper.n_trials=8 search.early_stop.enabled=false search.replicates.seeds=0 \
  search.name=gpu-check "hydra.sweeper.storage=sqlite:///$OUT/phase1.db" \
  "hydra.sweep.dir=$OUT/sweep" "search.phase2.config_dir=$OUT/phase2_conf" 2>&1 \
  | tee "$OUT/phase1.txt" || status=1

python - "$OUT" <<'EOF' 2>&1 | tee "$OUT/trials.txt" || status=1
import sys

import optuna

from budget_hpo.records import TrialRecord

optuna.logging.set_verbosity(optuna.logging.WARNING)
out = sys.argv[1]
storage = f"sqlite:///{out}/phase1.db"
for summary in optuna.get_all_study_summaries(storage):
    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    ran = [t for t in study.trials if t.state.name != "WAITING"]  # the other forced stay queued
    print(f"{summary.study_name}: {len(ran)} trials ran")
    for t in ran:
        r = TrialRecord.from_attrs(t.user_attrs)
        what = f"val AUC {t.value:.4f}" if t.value is not None else (r.fail_reason or "")
        print(f"  #{t.number:<3}{t.state.name:9}{r.forced_id or '':20}"
              f"train {r.train_time_s or float('nan'):7.1f} s  {what}")
EOF
cp "$OUT"/sweep/report/summary.md "$OUT/summary.md" 2>/dev/null || echo "no report written"
exit $status
