#!/usr/bin/env bash
# make slurm-test: a throwaway one-node SLURM cluster on this machine, the workflow's test
# configuration submitted through profiles/slurm and compared with a local run
# (tests/test_slurm.py). Needs root and apt (Debian's munge + slurm packages); anywhere else
# it prints why it skips and exits 0. Under CI=true with root + apt, any failure is fatal.
#
#   bash .ci/slurm.sh              start the cluster, run the SLURM tests, stop everything
#   bash .ci/slurm.sh CMD [ARG..]  same cluster, but run CMD instead of the tests
#                                  (SLURM_CONF is exported; e.g. CMD = bash for a shell)
#
# Every daemon started here is stopped by its PID on exit, every job is cancelled first, and
# every long step runs under `timeout -s KILL` (a snakemake waiting on SLURM ignores SIGTERM).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

skip() {
	echo "SKIP slurm-test: $*"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root to install and start munge + slurm (run on CI, or see profiles/slurm/README.md)"
command -v apt-get >/dev/null || skip "needs apt-get (Debian/Ubuntu) to install munge + slurm"
[ -x .venv/bin/python ] || {
	echo "error: .venv missing; run through 'make slurm-test'" >&2
	exit 2
}

log() { echo "[slurm.sh $(date +%T)] $*"; }
T0=$(date +%s)

# ---- packages: Debian's munge + slurm, and the executor plugin into the project venv ----
if ! [ -x /usr/sbin/munged ] || ! [ -x /usr/sbin/slurmctld ] || ! [ -x /usr/sbin/slurmd ] || ! command -v sbatch >/dev/null; then
	log "installing munge + slurm from Debian packages"
	timeout -s KILL 300 apt-get update -qq
	DEBIAN_FRONTEND=noninteractive timeout -s KILL 300 \
		apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null
fi
timeout -s KILL 300 .venv/bin/pip install -q -r requirements-cluster.txt
log "packages ready ($(slurmctld -V), $(.venv/bin/pip show snakemake-executor-plugin-slurm | sed -n 's/^Version: /plugin /p'))"

# ---- cluster state lives in one private directory, plus /etc/slurm/slurm.conf: the executor's
# job steps drop SLURM_CONF from their environment, so srun inside a job reads the default path.
MARK="# written by specverse .ci/slurm.sh"
export SLURM_CONF=/etc/slurm/slurm.conf
if [ -e "$SLURM_CONF" ] && ! head -n1 "$SLURM_CONF" | grep -qF "$MARK"; then
	echo "error: $SLURM_CONF exists and is not ours: this machine has its own SLURM; not touching it" >&2
	exit 1
fi
if timeout -s KILL 5 scontrol ping 2>/dev/null | grep -q UP; then
	echo "error: a SLURM controller already answers here (left by a killed run?); stop it first" >&2
	exit 1
fi
STATE=$(mktemp -d /tmp/specverse-slurm.XXXXXX)
chmod 755 "$STATE"
mkdir -p "$STATE/ctld" "$STATE/spool"
PIDS=() # started daemons, in start order

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [ ${#PIDS[@]} -gt 0 ] && timeout -s KILL 5 scontrol ping >/dev/null 2>&1; then
		# A killed snakemake leaves its jobs queued or running: cancel them (this cluster is ours).
		timeout -s KILL 10 scancel --user="$(id -un)" 2>/dev/null
		for _ in $(seq 20); do
			[ -z "$(timeout -s KILL 5 squeue -h -t PD,R,CG -o %i 2>/dev/null)" ] && break
			sleep 0.5
		done
	fi
	# Stop in reverse order: slurmd, slurmctld, munged; escalate to SIGKILL after 10 s.
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		local pid=${PIDS[i]}
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "$rc" != 0 ]; then
		for f in slurmctld.log slurmd.log munge/munged.log; do
			[ -s "$STATE/$f" ] && {
				echo "---- last lines of $f"
				tail -n 20 "$STATE/$f"
			}
		done
	fi
	rm -rf "$STATE"
	[ -n "${CONF_WRITTEN:-}" ] && rm -f "$SLURM_CONF"
	log "stopped every daemon started here; total $(($(date +%s) - T0)) s; exit $rc"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds
	local limit=$1 what=$2
	shift 2
	for _ in $(seq $((limit * 4))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	echo "error: $what did not come up within ${limit} s" >&2
	return 1
}

# ---- munge (authentication); reuse a munged that already answers ----
if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
	log "munged already running; reusing it"
else
	install -d -o munge -g munge -m 0755 /run/munge
	install -d -o munge -g munge -m 0700 "$STATE/munge"
	setpriv --reuid=munge --regid=munge --init-groups \
		/usr/sbin/munged --foreground --log-file="$STATE/munge/munged.log" \
		--pid-file="$STATE/munge/munged.pid" --seed-file="$STATE/munge/munged.seed" \
		>>"$STATE/munge/munged.out" 2>&1 &
	PIDS+=($!)
	wait_for 15 munged sh -c 'munge -n </dev/null | unmunge'
fi

# ---- slurm.conf: one node = this machine ----
HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(($(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo) - 500))
mkdir -p "$(dirname "$SLURM_CONF")"
CONF_WRITTEN=1
cat >"$SLURM_CONF" <<EOF
$MARK; removed on exit
ClusterName=specverse
SlurmctldHost=$HOST
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# No accounting database: completed jobs are recorded in a plain file the tests read.
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
# squeue keeps finished jobs this long; the executor's squeue status checks rely on it.
MinJobAge=300
DefMemPerCPU=1000
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
/usr/sbin/slurmctld -D -i -f "$SLURM_CONF" >>"$STATE/slurmctld.out" 2>&1 &
PIDS+=($!)
wait_for 30 slurmctld scontrol ping
/usr/sbin/slurmd -D -f "$SLURM_CONF" >>"$STATE/slurmd.out" 2>&1 &
PIDS+=($!)
node_idle() { [ "$(sinfo -h -N -o %T | head -n1)" = idle ]; }
wait_for 60 "node $HOST (idle)" node_idle
timeout -s KILL 30 srun -N1 -t 1 hostname >/dev/null
log "one-node cluster up: $HOST, $CPUS CPUs, $MEM_MB MB, state in $STATE ($(($(date +%s) - T0)) s)"

export SPECVERSE_SLURM=1
export SPECVERSE_SLURM_JOBCOMP=$STATE/jobcomp.log
export SPECVERSE_SLURM_PARTITION=debug
if [ $# -gt 0 ]; then
	"$@"
else
	timeout -s KILL 600 .venv/bin/python -m pytest -p no:cacheprovider -m slurm -ra tests/test_slurm.py
fi
