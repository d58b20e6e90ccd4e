#!/usr/bin/env bash
# Tokenize an archive on a Slurm cluster: one array task per shard of studies.
# Each task writes its own folder; merge them when all tasks are done:
#   sbatch --array=0-15 docs/slurm-array.sh /data/archive /scratch/tessera
#   tessera batch merge --output /scratch/tessera/all /scratch/tessera/shard-*
#SBATCH --job-name=tessera-batch
#SBATCH --cpus-per-task=8
#SBATCH --mem=4G
#SBATCH --time=04:00:00
set -euo pipefail
input=${1:?input folder or zip}
output=${2:?output root}
# tessera reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT itself; --resume makes a requeued task continue.
srun tessera batch "$input" --output "$output/shard-$SLURM_ARRAY_TASK_ID" --jobs "$SLURM_CPUS_PER_TASK" --no-progress --resume
