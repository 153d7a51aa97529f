// Package devstack runs the platform's infrastructure inside the current process: an
// embedded Kafka-protocol broker (franz-go kfake) and an embedded MongoDB-wire-protocol
// database (FerretDB v1 on SQLite), both on loopback.
//
// It exists for `make run` and for tests. Production binaries must never import it: it
// pulls in FerretDB and a pure-Go SQLite (+27 MB) that have no place on a cluster, where
// real Kafka and MongoDB run. A test in this package keeps the services' cmd packages honest.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Options say where the stack keeps its data and which ports it binds.
type Options struct {
	// Dir holds the broker's and the database's files so that data survives a restart.
	// Required: FerretDB's in-memory mode gives SQLite one connection, and a query cursor
	// left open then blocks every later write.
	Dir string
	// KafkaPort and MongoPort are loopback ports; 0 picks free ones.
	KafkaPort int
	MongoPort int
	// Partitions is the default partition count of auto-created topics (DESIGN: 12).
	Partitions int
	// Logger receives only errors of the embedded servers; nil discards them.
	Logger *slog.Logger
}

// Stack is a running broker and database.
type Stack struct {
	// MongoURI carries maxPoolSize=1: FerretDB's updates are not atomic across
	// connections (FACTS.md: 8×50 concurrent $inc give 50), one connection makes them so.
	MongoURI string
	// KafkaBrokers are the broker's host:port addresses.
	KafkaBrokers []string

	kafka     *kfake.Cluster
	cancel    context.CancelFunc
	done      chan struct{}
	mongoAddr string
	sqliteURL string
	logger    *slog.Logger
}

// Start brings up the broker and the database and returns once both accept connections.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Partitions == 0 {
		opts.Partitions = 12
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(opts.Partitions),
		// Dev consumers use short sessions so that groups form in milliseconds.
		kfake.GroupMinSessionTimeout(500 * time.Millisecond),
	}
	if opts.KafkaPort != 0 {
		kopts = append(kopts, kfake.Ports(opts.KafkaPort))
	}
	if opts.Dir == "" {
		return nil, errors.New("devstack: Options.Dir is required")
	}
	kdir, mdir := filepath.Join(opts.Dir, "kafka"), filepath.Join(opts.Dir, "mongo")
	for _, d := range []string{kdir, mdir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("devstack: create data dir: %w", err)
		}
	}
	kopts = append(kopts, kfake.DataDir(kdir))
	// FerretDB wants an existing directory with a trailing slash.
	sqliteURL := "file:" + mdir + "/"

	kc, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("devstack: start kafka broker: %w", err)
	}

	s := &Stack{KafkaBrokers: kc.ListenAddrs(), kafka: kc, sqliteURL: sqliteURL,
		mongoAddr: "127.0.0.1:" + strconv.Itoa(opts.MongoPort), logger: logger}
	if err := s.StartMongo(ctx); err != nil {
		kc.Close()
		return nil, err
	}
	return s, nil
}

// ferretdbNew serialises ferretdb.New, which writes a package-level variable: two stacks
// starting at once in parallel tests would race.
var ferretdbNew sync.Mutex

// StartMongo starts the database (again, after StopMongo: same address, same data).
func (s *Stack) StartMongo(ctx context.Context) error {
	ferretdbNew.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: s.mongoAddr},
		Handler:   "sqlite",
		SQLiteURL: s.sqliteURL,
		Logger:    slog.New(levelFilter{s.logger.Handler(), slog.LevelError}),
	})
	ferretdbNew.Unlock()
	if err != nil {
		return fmt.Errorf("devstack: start mongodb: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// Run must start before MongoDBURI, which blocks until the listener is bound.
	go func() { defer close(done); _ = f.Run(runCtx) }()
	uri := f.MongoDBURI()
	s.cancel, s.done = cancel, done
	// Later starts bind the same port, so the URI clients hold stays valid.
	s.mongoAddr = hostOf(uri)
	if s.MongoURI == "" {
		s.MongoURI = withPoolOfOne(uri)
	}
	if err := waitTCP(ctx, s.mongoAddr); err != nil {
		s.StopMongo()
		return err
	}
	return nil
}

// StopMongo stops the database, as an outage would (tests of 503 and recovery).
func (s *Stack) StopMongo() {
	s.cancel()
	<-s.done
}

// Close stops the database and the broker; data in Options.Dir stays.
func (s *Stack) Close() {
	s.StopMongo()
	s.kafka.Close()
}

// Kafka is the embedded broker, for tests that inspect groups or inject faults.
func (s *Stack) Kafka() *kfake.Cluster { return s.kafka }

func withPoolOfOne(uri string) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + "maxPoolSize=1"
}

func hostOf(uri string) string {
	rest := strings.TrimPrefix(uri, "mongodb://")
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func waitTCP(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("devstack: %s did not accept connections", addr), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// levelFilter passes records at or above min: FerretDB logs every failed command at Warn.
type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (l levelFilter) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.Handler.Enabled(ctx, lv)
}

func (l levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{l.Handler.WithAttrs(a), l.min}
}

func (l levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{l.Handler.WithGroup(n), l.min}
}
