#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (munged, slurmctld and slurmd from Debian's `munge`
# and `slurm-wlm`), for trying scripts/slurm/ for real; tests/slurm-cluster.test.ts submits
# to it. Run as root:
#   scripts/slurm/local-cluster.sh start [--install]  # --install: apt-get the two packages first
#   scripts/slurm/local-cluster.sh status             # exit 0 when the node is up (idle or busy)
#   scripts/slurm/local-cluster.sh stop               # cancels its jobs, stops what start started
# `start` is idempotent: it starts only the daemons that are not running and waits until sinfo
# shows the node idle (or busy with jobs, when the cluster was already up). It writes
# /etc/slurm/slurm.conf (the file sinfo and sbatch read) and refuses to replace one it did not
# write; state, logs and pid files live in gradlab-slurm folders under /var/lib, /var/log, /run.
set -euo pipefail

conf=/etc/slurm/slurm.conf
marker='# Written by gradlab scripts/slurm/local-cluster.sh'
state=/var/lib/gradlab-slurm
logs=/var/log/gradlab-slurm
run=/run/gradlab-slurm
# Daemons this script started, one name a line; `stop` stops only these.
started=$run/started
munge_key=/etc/munge/munge.key
munge_pid=/run/munge/munged.pid
# Seconds to wait for the node to become idle, and for a daemon to exit.
IDLE_WAIT=60
EXIT_WAIT=30

node=$(hostname -s)

die() { echo "local-cluster: $*" >&2; exit 1; }
need_root() { [[ $(id -u) == 0 ]] || die "$1 needs root (the daemons run as root, munge and slurm), run it with sudo"; }

# pid_alive PIDFILE NAME: the pid in PIDFILE is a live process called NAME.
pid_alive() {
  local pid
  [[ -r $1 ]] && pid=$(<"$1") && [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]]
}
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
node_state() { sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1; }
# A node that takes jobs: idle, or busy with some (a trailing * means not responding).
node_up() { [[ $1 =~ ^(idle|mixed|allocated|completing)$ ]]; }
mark_started() { grep -qx "$1" "$started" 2>/dev/null || echo "$1" >>"$started"; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
    echo "local-cluster: slurm-wlm and munge are installed"
    return
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge
}

write_conf() {
  local cpus mem_mib text
  cpus=$(nproc)
  # RealMemory: 95% of MemTotal in MiB, so that slurmd (which measures the same) never finds
  # less than configured and drains the node; sbatch refuses --mem above it.
  mem_mib=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
  text="$marker: a one-node cluster on $node.
ClusterName=gradlab-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
# CPUs are the consumable; memory is checked against RealMemory at submission only.
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$state/slurmctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# No slurmdbd, so no sacct: finished jobs stay in 'scontrol show job' for an hour instead.
MinJobAge=3600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mib State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP"
  if [[ -e $conf ]] && ! head -n 1 "$conf" | grep -qF "$marker"; then
    die "$conf exists and was not written by this script; move it away to use the local cluster"
  fi
  if [[ -e $conf ]] && [[ $(<"$conf") == "$text" ]]; then return; fi
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$text" >"$conf"
  echo "local-cluster: wrote $conf ($node: CPUs=$cpus RealMemory=$mem_mib)"
  if pid_alive "$run/slurmctld.pid" slurmctld; then scontrol reconfigure; fi
}

start_munge() {
  if [[ ! -e $munge_key ]]; then
    mkdir -p "$(dirname "$munge_key")"
    dd if=/dev/urandom of="$munge_key" bs=1 count=1024 status=none
    echo "local-cluster: made $munge_key"
  fi
  chown munge:munge "$(dirname "$munge_key")" "$munge_key"
  chmod 0700 "$(dirname "$munge_key")"
  chmod 0400 "$munge_key"
  if munge_ok; then return; fi
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  runuser -u munge -- munged
  mark_started munged
  for _ in $(seq 50); do munge_ok && return; sleep 0.1; done
  die "munged started but 'munge -n | unmunge' fails; see /var/log/munge/munged.log"
}

# start_daemon NAME: runs NAME (slurmctld or slurmd), which forks and writes its pid file.
start_daemon() {
  if pid_alive "$run/$1.pid" "$1"; then return; fi
  "$1"
  mark_started "$1"
  for _ in $(seq 50); do pid_alive "$run/$1.pid" "$1" && return; sleep 0.1; done
  tail -n 20 "$logs/$1.log" >&2 || true
  die "$1 did not stay up; see $logs/$1.log"
}

start() {
  need_root start
  if [[ ${1:-} == --install ]]; then install_packages; fi
  for cmd in munged slurmctld slurmd sinfo; do
    command -v "$cmd" >/dev/null || die "$cmd not found: apt-get install -y slurm-wlm munge (or start --install)"
  done
  install -d -o slurm -g slurm -m 0755 "$run" "$logs" "$state" "$state/slurmctld"
  install -d -m 0755 "$state/slurmd"
  write_conf
  start_munge
  start_daemon slurmctld
  start_daemon slurmd
  local s=''
  for _ in $(seq $((IDLE_WAIT * 2))); do
    s=$(node_state)
    node_up "$s" && break
    sleep 0.5
  done
  if ! node_up "$s"; then
    sinfo -R >&2 || true
    tail -n 20 "$logs/slurmctld.log" "$logs/slurmd.log" >&2 || true
    die "node $node is '${s:-not answering}' after ${IDLE_WAIT}s, not idle"
  fi
  sinfo
}

# stop_daemon NAME PIDFILE: TERM, then KILL after EXIT_WAIT seconds.
stop_daemon() {
  local pid
  pid_alive "$2" "$1" || return 0
  pid=$(<"$2")
  kill -TERM "$pid"
  for _ in $(seq $((EXIT_WAIT * 10))); do [[ -e /proc/$pid ]] || break; sleep 0.1; done
  if [[ -e /proc/$pid ]]; then kill -KILL "$pid"; fi
  echo "local-cluster: stopped $1 ($pid)"
}

stop() {
  need_root stop
  [[ -e $started ]] || { echo "local-cluster: nothing to stop ($started is absent)"; return; }
  # The jobs still queued or running on this cluster: cancel them, so no slurmstepd outlives slurmd.
  local jobs
  jobs=$(squeue -h -o %A 2>/dev/null || true)
  if [[ -n $jobs ]]; then
    echo "local-cluster: cancelling jobs" $jobs
    scancel $jobs || true
    for _ in $(seq $((EXIT_WAIT * 2))); do pgrep -x slurmstepd >/dev/null || break; sleep 0.5; done
  fi
  # Reverse order of start: slurmd, slurmctld, then munged (only if this script started it).
  if grep -qx slurmd "$started"; then stop_daemon slurmd "$run/slurmd.pid"; fi
  if grep -qx slurmctld "$started"; then stop_daemon slurmctld "$run/slurmctld.pid"; fi
  if grep -qx munged "$started"; then stop_daemon munged "$munge_pid"; fi
  rm -f "$started"
}

status() {
  local s rc=0
  for d in slurmctld slurmd; do
    if pid_alive "$run/$d.pid" "$d"; then echo "$d: running ($(<"$run/$d.pid"))"; else echo "$d: not running"; rc=3; fi
  done
  if munge_ok; then echo "munged: answering"; else echo "munged: not answering"; rc=3; fi
  s=$(node_state || true)
  echo "node $node: ${s:-not answering}"
  node_up "$s" || rc=3
  if [[ $rc == 0 ]]; then sinfo; fi
  return "$rc"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: scripts/slurm/local-cluster.sh start [--install] | stop | status" ;;
esac
