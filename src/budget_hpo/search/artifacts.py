"""The best trials' model checkpoints in Optuna's artifact store, when a phase ends.

With ``search.artifacts.checkpoints_top_k`` = k > 0, every trial of the phase (not its seed
replicates) writes ``model.ckpt`` into its job folder (:mod:`budget_hpo.trial.checkpoint`); when
the phase ends, the k best COMPLETE trials' files are uploaded to a
:class:`~optuna.artifacts.FileSystemArtifactStore` at ``search.artifacts.dir`` (recorded on the
study as ``trial_<number>.ckpt``), and every local file is removed, so a phase keeps k
checkpoints, not one per trial. A resumed phase uploads a new best beside the ones already stored.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import optuna
from optuna.trial import TrialState

from budget_hpo.records import TrialRecord
from budget_hpo.schema import ArtifactsConfig
from budget_hpo.search.study import best_first
from budget_hpo.trial.checkpoint import CHECKPOINT

__all__ = ["checkpoint_of", "store_checkpoints", "stored"]

log = logging.getLogger(__name__)


def _store(settings: ArtifactsConfig) -> optuna.artifacts.FileSystemArtifactStore:
    Path(settings.dir).mkdir(parents=True, exist_ok=True)
    return optuna.artifacts.FileSystemArtifactStore(settings.dir)


NAME = re.compile(r"trial_(\d+)\.ckpt")  # a stored checkpoint's file name


def stored(study: optuna.Study) -> dict[int, str]:
    """Trial number -> artifact id of every checkpoint the study's store holds."""
    metas = optuna.artifacts.get_all_artifact_meta(study, storage=study._storage)
    return {int(match[1]): m.artifact_id for m in metas
            if (match := NAME.fullmatch(m.filename)) is not None}


def store_checkpoints(study: optuna.Study, settings: ArtifactsConfig) -> list[int]:
    """Upload the best ``checkpoints_top_k`` checkpoints of ``study`` not yet stored (as study
    artifacts named ``trial_<number>.ckpt``: a finished trial takes no new attributes) and remove
    every local checkpoint of its trials (replicate runs write none).

    Returns:
        The trial numbers whose checkpoints were uploaded by this call.
    """
    k = settings.checkpoints_top_k
    if k <= 0:
        return []
    have = stored(study)
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if _local(t) is not None or t.number in have]
    best = best_first(study, complete)[:k]
    store, uploaded = _store(settings), []
    for trial in best:
        path = _local(trial)
        if path is None or trial.number in have:
            continue
        named = path.with_name(f"trial_{trial.number}.ckpt")
        path.rename(named)
        artifact = optuna.artifacts.upload_artifact(
            artifact_store=store, file_path=str(named), study_or_trial=study,
            storage=study._storage)
        named.unlink()
        uploaded.append(trial.number)
        log.info("checkpoint of trial %d (objective %.4f) stored as artifact %s in %s",
                 trial.number, trial.value, artifact, settings.dir)
    for trial in study.get_trials(deepcopy=False):  # the best are stored now; no other is kept
        path = _local(trial)
        if path is not None:
            path.unlink(missing_ok=True)
    return uploaded


def _local(trial: optuna.trial.FrozenTrial) -> Path | None:
    job = TrialRecord.from_attrs(trial.user_attrs).job_dir
    path = None if job is None else Path(job) / CHECKPOINT
    return path if path is not None and path.is_file() else None


def checkpoint_of(study: optuna.Study, number: int, settings: ArtifactsConfig,
                  file_path: str | Path) -> Path:
    """Download trial ``number``'s stored checkpoint to ``file_path``.

    Raises:
        KeyError: the study's store holds no checkpoint of that trial.
    """
    artifact = stored(study).get(number)
    if artifact is None:
        raise KeyError(f"trial {number} of {study.study_name} has no stored checkpoint")
    optuna.artifacts.download_artifact(artifact_store=_store(settings), file_path=str(file_path),
                                       artifact_id=artifact)
    return Path(file_path)
