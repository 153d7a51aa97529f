#!/usr/bin/env bash
# A real Apache Kafka 4.x broker for tests: KRaft, one node that is broker and controller,
# on free loopback ports, fetched from Maven Central with the machine's Maven.
#
#   kafka.sh fetch       fetch the broker jars into the cache and compile Probe.java
#                        (nothing to do when the cache is complete)
#   kafka.sh start DIR   start a broker whose config, log dir and log live in DIR, wait until
#                        it answers, print its bootstrap address (also in DIR/bootstrap).
#                        A DIR started before is started again on the same ports and data:
#                        a broker restart, as clients see one. With KAFKA_OWNER_PID set, the
#                        broker is stopped when that process ends (a test killed mid-run
#                        leaves no broker behind).
#   kafka.sh stop DIR    stop that broker cleanly (SIGTERM: controlled shutdown), SIGKILL
#                        only if it has not exited after 30 s; DIR and its data stay
#   kafka.sh run CMD...  start a broker in a fresh temporary DIR, run CMD with
#                        L4L_TEST_KAFKA=<bootstrap> in its environment, stop the broker
#                        (whatever CMD did, Ctrl-C included), remove DIR, exit with CMD's status
#
# Environment: KAFKA_CACHE (default <repo>/.cache/kafka), JAVA_HOME or java on PATH (17+),
# KAFKA_HEAP (default 512m).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache_root=${KAFKA_CACHE:-$repo/.cache/kafka}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
heap=${KAFKA_HEAP:-512m}

die() { echo "kafka.sh: $*" >&2; exit 1; }

# The cache is keyed by what decides its content: the pom (versions) and Probe.java.
cache_key() { cat "$here/pom.xml" "$here/Probe.java" | sha256sum | cut -c1-16; }
cache=$cache_root/$(cache_key)
classpath="$cache/classes:$cache/libs/*"

check_java() {
	command -v "$java" >/dev/null || die "no java: install a JDK 17+ (Debian: openjdk-17-jdk-headless) or set JAVA_HOME"
	local v
	v=$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
	[[ ${v%%.*} -ge 17 ]] || die "java $v is too old: Kafka 4.x needs 17+"
}

fetch() {
	[[ -f $cache/complete ]] && return 0
	check_java
	command -v mvn >/dev/null || die "no mvn: install Maven (Debian: maven)"
	command -v javac >/dev/null || die "no javac: install a JDK 17+ (Debian: openjdk-17-jdk-headless)"
	local tmp=$cache.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/classes"
	echo "kafka.sh: fetching the Kafka broker from Maven Central into $cache" >&2
	mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1 ||
		{ cat "$tmp/mvn.log" >&2; rm -rf "$tmp"; die "mvn could not fetch the broker"; }
	javac -nowarn -d "$tmp/classes" -cp "$tmp/libs/*" "$here/Probe.java"
	touch "$tmp/complete"
	rm -rf "$cache"
	mv "$tmp" "$cache" # whole or not at all: an interrupted fetch leaves no half cache
}

probe() { "$java" -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
	-Dlog4j2.configurationFile="$here/probe-log4j2.properties" -cp "$classpath" Probe "$@"; }

# Serial GC and C1 only: a test broker lives for minutes on two cores, where a fast start
# matters more than peak throughput.
jvm_opts=(-Xms128m -Xmx"$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto
	-Djava.awt.headless=true -Dlog4j2.configurationFile="$here/log4j2.properties" -cp "$classpath")
kafka_java() { "$java" "${jvm_opts[@]}" "$@"; }

configure() { # DIR: ports, config and a formatted log dir, once per DIR
	local dir=$1 ports port cport
	mkdir -p "$dir"
	ports=$(probe ports 2)
	port=$(sed -n 1p <<<"$ports")
	cport=$(sed -n 2p <<<"$ports")
	cat >"$dir/server.properties" <<-EOF
		# KRaft, one node that is both broker and controller (kafka.sh).
		process.roles=broker,controller
		node.id=1
		controller.quorum.voters=1@127.0.0.1:$cport
		controller.listener.names=CONTROLLER
		listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
		advertised.listeners=PLAINTEXT://127.0.0.1:$port
		inter.broker.listener.name=PLAINTEXT
		listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
		log.dirs=$dir/data
		# One node: the internal topics cannot have the default three replicas.
		offsets.topic.replication.factor=1
		transaction.state.log.replication.factor=1
		transaction.state.log.min.isr=1
		share.coordinator.state.topic.replication.factor=1
		share.coordinator.state.topic.min.isr=1
		# Groups form at once instead of after Kafka's default 3 s wait for more members.
		group.initial.rebalance.delay.ms=0
		# Everything else is Kafka's default, as on a cluster nobody tuned: auto-created
		# topics get num.partitions=1, group.min.session.timeout.ms is 6 s.
	EOF
	local id
	id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	# --cluster-id=ID, not -t ID: one random id in 64 begins with "-", and the option
	# parser would take it for an option.
	kafka_java kafka.tools.StorageTool format --cluster-id="$id" --config "$dir/server.properties" >"$dir/format.log" 2>&1 ||
		{ cat "$dir/format.log" >&2; die "formatting $dir failed"; }
	echo "127.0.0.1:$port" >"$dir/bootstrap"
}

start() {
	local dir
	dir=$(mkdir -p "$1" && cd "$1" && pwd)
	fetch
	check_java
	[[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && die "a broker of $dir is running already"
	[[ -f $dir/bootstrap ]] || configure "$dir"
	local addr pid
	addr=$(cat "$dir/bootstrap")
	# setsid: the terminal's Ctrl-C goes to make and the test, which stop the broker
	# themselves (cleanly), rather than to the JVM directly.
	setsid "$java" "${jvm_opts[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/broker.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$dir/pid"
	if [[ -n ${KAFKA_OWNER_PID:-} ]]; then
		# A watchdog, so a killed test run does not leave a broker behind.
		setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -TERM "$2" 2>/dev/null || true' \
			kafka-watchdog "$KAFKA_OWNER_PID" "$pid" >/dev/null 2>&1 </dev/null &
		echo $! >"$dir/watchdog.pid"
	fi
	if ! probe await "$addr" 90 "$pid"; then
		tail -n 40 "$dir/broker.log" >&2 || true
		stop "$dir" || true
		die "the broker of $dir did not answer on $addr within 90 s (log: $dir/broker.log)"
	fi
	echo "$addr"
}

stop() {
	local dir=$1 pid
	[[ -f $dir/watchdog.pid ]] && { kill "$(cat "$dir/watchdog.pid")" 2>/dev/null || true; rm -f "$dir/watchdog.pid"; }
	[[ -f $dir/pid ]] || return 0
	pid=$(cat "$dir/pid")
	rm -f "$dir/pid"
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid"
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "kafka.sh: the broker ($pid) ignored SIGTERM for 30 s; killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

run() {
	[[ $# -gt 0 ]] || die "run: no command"
	fetch
	local dir addr status=0
	dir=$(mktemp -d "${TMPDIR:-/tmp}/l4l-kafka.XXXXXX")
	# shellcheck disable=SC2064 # expand dir now
	trap "stop '$dir'; rm -rf '$dir'" EXIT
	trap 'exit 130' INT TERM
	local t0=$SECONDS
	addr=$(KAFKA_OWNER_PID=$$ start "$dir")
	echo "kafka.sh: Apache Kafka $(kafka_version) on $addr (started in $((SECONDS - t0)) s)" >&2
	L4L_TEST_KAFKA=$addr "$@" || status=$?
	return "$status"
}

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml"; }

cmd=${1:-}
shift || true
case $cmd in
fetch) fetch ;;
start) [[ $# -eq 1 ]] || die "usage: kafka.sh start DIR"; start "$1" ;;
stop) [[ $# -eq 1 ]] || die "usage: kafka.sh stop DIR"; stop "$1" ;;
run) run "$@" ;;
version) kafka_version ;;
*) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2; exit 2 ;;
esac
