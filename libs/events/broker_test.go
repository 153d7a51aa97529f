package events_test

// The conformance suite runs against two brokers: kfake (embedded, fresh for every test)
// and a real Apache Kafka 4.x broker when L4L_TEST_KAFKA holds its bootstrap address
// (`make test` starts one with tools/kafka/kafka.sh and always sets it). The real broker is
// shared by every test and every package of the run, so tests name their topics and groups
// with env.topic and env.group, which are unique per test.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
)

const (
	// envRealKafka holds the real broker's bootstrap address(es), comma-separated.
	envRealKafka = "L4L_TEST_KAFKA"
	// envRequireRealKafka=1 makes a missing L4L_TEST_KAFKA fail the suite instead of
	// skipping its real-Kafka half (make test sets both).
	envRequireRealKafka = "L4L_REQUIRE_REAL_KAFKA"
	// envKafkaScript overrides the path of tools/kafka/kafka.sh, which the outage test
	// uses to run a broker of its own.
	envKafkaScript = "L4L_KAFKA_SCRIPT"
)

// realKafka is the real broker's bootstrap addresses, nil when none was given.
var realKafka = splitAddrs(os.Getenv(envRealKafka))

func splitAddrs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func TestMain(m *testing.M) {
	if os.Getenv(envRequireRealKafka) == "1" && len(realKafka) == 0 {
		fmt.Fprintf(os.Stderr, "%s=1 but %s is not set: the conformance suite must run on real Kafka too "+
			"(make test starts a broker; or tools/kafka/kafka.sh run go test ./...)\n", envRequireRealKafka, envRealKafka)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// onEachBroker runs f as the parallel subtests "kfake" and "kafka". Without L4L_TEST_KAFKA
// the "kafka" subtest is skipped, visibly and with the reason; with
// L4L_REQUIRE_REAL_KAFKA=1 TestMain has already failed the run.
func onEachBroker(t *testing.T, f func(t *testing.T, env *env)) {
	t.Run("kfake", func(t *testing.T) {
		t.Parallel()
		f(t, newEnv(t))
	})
	t.Run("kafka", func(t *testing.T) {
		t.Parallel()
		f(t, newRealEnv(t))
	})
}

// newRealEnv is an env whose broker is the real Kafka; the database is still the test's own
// FerretDB.
func newRealEnv(t testing.TB) *env {
	t.Helper()
	if len(realKafka) == 0 {
		t.Skipf("%s is not set; `make test` runs this on Apache Kafka", envRealKafka)
	}
	e := newEnv(t)
	e.brokers, e.kind = realKafka, "kafka"
	return e
}

func (e *env) isKafka() bool { return e.kind == "kafka" }

// topic is events.Topic(service) made unique to this test, as the real broker is shared.
func (e *env) topic(service string) string { return events.Topic(service + "-" + e.id) }

// group is a consumer group id unique to this test.
func (e *env) group(name string) string { return name + "-" + e.id }

func uniqueID(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// client is an admin client with its own transport (kafka.DefaultTransport caches metadata
// for 6 s, which hides topics created meanwhile).
func (e *env) admin(t testing.TB) *kafka.Client {
	tr := &kafka.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: 10 * time.Second, Transport: tr}
}

// groupMembers is the number of members of group and its state, as the coordinator sees
// them (on one broker the bootstrap broker is the coordinator).
func (e *env) groupMembers(t testing.TB, group string) (int, string) {
	t.Helper()
	res, err := e.admin(t).DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil || len(res.Groups) != 1 {
		return -1, fmt.Sprint(err)
	}
	g := res.Groups[0]
	if g.Error != nil {
		return -1, g.Error.Error()
	}
	return len(g.Members), g.GroupState
}

// committed is the sum over topic's partitions of the offsets group has committed: the
// number of its events the group is done with.
func (e *env) committed(t testing.TB, group, topic string) int64 {
	t.Helper()
	parts := make([]int, events.DefaultPartitions)
	for i := range parts {
		parts[i] = i
	}
	res, err := e.admin(t).OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil || res.Error != nil {
		return -1
	}
	var n int64
	for _, p := range res.Topics[topic] {
		if p.Error == nil && p.CommittedOffset > 0 {
			n += p.CommittedOffset
		}
	}
	return n
}

// ownKafka is a real broker of one test's own, run with tools/kafka/kafka.sh, which the
// test may stop and start again (same port, same data) without disturbing the shared one.
type ownKafka struct {
	t       testing.TB
	script  string
	dir     string
	brokers []string
	running bool
}

func startOwnKafka(t testing.TB) *ownKafka {
	t.Helper()
	script := os.Getenv(envKafkaScript)
	if script == "" {
		script = filepath.Join("..", "..", "tools", "kafka", "kafka.sh")
	}
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	k := &ownKafka{t: t, script: abs, dir: t.TempDir()}
	k.Start()
	t.Cleanup(func() {
		if k.running {
			k.Stop()
		}
	})
	return k
}

func (k *ownKafka) kafkaSh(args ...string) string {
	k.t.Helper()
	cmd := exec.Command(k.script, args...)
	// The script stops the broker when this test process ends, however it ends.
	cmd.Env = append(os.Environ(), "KAFKA_OWNER_PID="+strconv.Itoa(os.Getpid()))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		k.t.Fatalf("kafka.sh %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func (k *ownKafka) Addrs() []string { return k.brokers }

// Start starts the broker, or starts it again after Stop on the same address and data.
func (k *ownKafka) Start() {
	k.t.Helper()
	t0 := time.Now()
	addr := k.kafkaSh("start", k.dir)
	k.running = true
	if k.brokers != nil && addr != k.brokers[0] {
		k.t.Fatalf("restarted broker on %s, want %s", addr, k.brokers[0])
	}
	k.brokers = []string{addr}
	k.t.Logf("own Kafka broker on %s up in %v", addr, time.Since(t0).Round(time.Millisecond))
}

// Stop stops the broker cleanly (SIGTERM, controlled shutdown); its data stays.
func (k *ownKafka) Stop() {
	k.t.Helper()
	k.kafkaSh("stop", k.dir)
	k.running = false
}
