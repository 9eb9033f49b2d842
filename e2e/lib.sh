# Shell helpers e2e/run.sh and e2e/gateway.sh share: background processes
# that are all stopped on exit, and loopback ports. Source it after
# defining log and fail; the caller's cleanup (on EXIT) stops ORDER in
# reverse with stop.

# --- processes: started in the background, all stopped on exit ------------
declare -A PIDS=()   # name -> pid
declare -A LOGS=()   # name -> its stdout and stderr
ORDER=()             # names in start order
start() { # name logfile command...
  local name=$1 out=$2
  shift 2
  "$@" >>"$out" 2>&1 &
  PIDS[$name]=$!
  LOGS[$name]=$out
  ORDER+=("$name")
}
stop() { # name: SIGTERM, wait up to 20 s, then SIGKILL; returns its status
  local name=$1 pid=${PIDS[$1]:-} rc=0 i
  [ -n "$pid" ] || return 0
  unset "PIDS[$name]"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in 20 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}

# --- loopback ports -------------------------------------------------------
# Free ports below Linux's ephemeral range (32768+), so that no outgoing
# connection holds them; a port that accepts a connection is taken.
TAKEN=" "
free_port() { # variable name
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    case "$TAKEN" in *" $p "*) continue ;; esac
    TAKEN+="$p "
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      printf -v "$1" '%s' "$p"
      return
    fi
  done
}
wait_port() { # name port seconds: until it accepts connections
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    kill -0 "${PIDS[$1]}" 2>/dev/null || fail "$1 exited (see ${LOGS[$1]})"
    sleep 0.1
  done
  fail "$1 does not listen on 127.0.0.1:$2 after $3 s"
}
