package analytics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	analyticsevents "github.com/l4l-platform/l4l/services/analytics/internal/events"
	"github.com/l4l-platform/l4l/services/analytics/internal/store"
)

// Replayed is the fold of the topics: per tenant, the latest fact per key.
type Replayed struct {
	// Events is how many messages were read; Skipped how many could not be a fact
	// (types analytics does not read, unknown tenants, unusable data).
	Events, Skipped int64
	facts           map[string]map[string]domain.Fact
}

// Tenants lists the tenants the replay found facts of.
func (r *Replayed) Tenants() []string {
	var out []string
	for t := range r.facts {
		out = append(out, t)
	}
	return out
}

// Facts is how many facts the replay kept (over all tenants).
func (r *Replayed) Facts() int {
	n := 0
	for _, f := range r.facts {
		n += len(f)
	}
	return n
}

// ReplayOptions say what to replay.
type ReplayOptions struct {
	Brokers []string
	// Tenant limits the replay to one tenant ("" for all).
	Tenant string
	// Progress is told the messages read so far and the total to read.
	Progress func(read, total int64)
}

// Replay reads the publishers' topics from their first to their current last offset with
// partition readers (no consumer group: the live consumers' offsets are not touched) and
// folds every event into facts exactly as the live consumers do. A topic that does not
// exist yet is skipped.
func Replay(ctx context.Context, profiles *profile.Registry, opts ReplayOptions) (*Replayed, error) {
	type part struct {
		topic       string
		partition   int
		first, last int64
		leader      string
	}
	var parts []part
	var total int64
	for _, p := range Publishers {
		ps, err := partitionsOf(ctx, opts.Brokers, events.Topic(p))
		if err != nil {
			return nil, err
		}
		for _, kp := range ps {
			leader := fmt.Sprintf("%s:%d", kp.Leader.Host, kp.Leader.Port)
			conn, err := kafka.DialLeader(ctx, "tcp", leader, kp.Topic, kp.ID)
			if err != nil {
				return nil, fmt.Errorf("replay: %s/%d: %w", kp.Topic, kp.ID, err)
			}
			first, last, err := conn.ReadOffsets()
			_ = conn.Close()
			if err != nil {
				return nil, fmt.Errorf("replay: offsets of %s/%d: %w", kp.Topic, kp.ID, err)
			}
			if last > first {
				parts = append(parts, part{kp.Topic, kp.ID, first, last, leader})
				total += last - first
			}
		}
	}
	out := &Replayed{facts: map[string]map[string]domain.Fact{}}
	var read, skipped atomic.Int64
	var mu, progressMu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(parts))
	sem := make(chan struct{}, 4)
	for _, pt := range parts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// Keyed by (type, subject) strings the message already gave: no key is built
			// per event, only one per fact kept, at the merge below.
			local := map[string]map[factKey]domain.Fact{}
			quick := newFactReader(profiles, opts.Tenant)
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: opts.Brokers, Topic: pt.topic, Partition: pt.partition,
				MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
			defer r.Close()
			if err := r.SetOffset(pt.first); err != nil {
				errs <- err
				return
			}
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					errs <- fmt.Errorf("replay: %s/%d: %w", pt.topic, pt.partition, err)
					return
				}
				if n := read.Add(1); opts.Progress != nil && n%1000 == 0 {
					progressMu.Lock()
					opts.Progress(n, total)
					progressMu.Unlock()
				}
				f, tenant, v := quick.read(m.Value)
				if v == readSlowly {
					var ok bool
					if f, tenant, ok = factOf(profiles, m, opts.Tenant); ok {
						v = keepFact
					}
				}
				if v == keepFact {
					byKey := local[tenant]
					if byKey == nil {
						byKey = map[factKey]domain.Fact{}
						local[tenant] = byKey
					}
					k := factKey{f.Type, f.Subject}
					if old, seen := byKey[k]; !seen || f.Newer(old) {
						byKey[k] = f
					}
				} else {
					skipped.Add(1)
				}
				if m.Offset+1 >= pt.last {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for tenant, byKey := range local {
				all := out.facts[tenant]
				if all == nil {
					all = make(map[string]domain.Fact, len(byKey))
					out.facts[tenant] = all
				}
				for _, f := range byKey {
					k := f.Key()
					if old, seen := all[k]; !seen || f.Newer(old) {
						all[k] = f
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := errors.Join(collect(errs)...); err != nil {
		return nil, err
	}
	out.Events, out.Skipped = read.Load(), skipped.Load()
	if opts.Progress != nil {
		opts.Progress(out.Events, total)
	}
	return out, nil
}

// factKey is a fact's place while a partition is replayed (domain.FactKey's parts).
type factKey struct{ typ, subject string }

func collect(ch <-chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}

func factOf(profiles *profile.Registry, m kafka.Message, tenant string) (domain.Fact, string, bool) {
	e, err := events.FromMessage(m)
	if err != nil || (tenant != "" && e.Tenant != tenant) {
		return domain.Fact{}, "", false
	}
	f, ok, err := analyticsevents.Fact(profiles, e)
	if !ok || err != nil {
		return domain.Fact{}, "", false
	}
	return f, e.Tenant, true
}

// partitionsOf lists a topic's partitions; none when the topic does not exist yet.
func partitionsOf(ctx context.Context, brokers []string, topic string) ([]kafka.Partition, error) {
	var lastErr error
	for _, b := range brokers {
		conn, err := kafka.DialContext(ctx, "tcp", b)
		if err != nil {
			lastErr = err
			continue
		}
		ps, err := conn.ReadPartitions(topic)
		_ = conn.Close()
		if errors.Is(err, kafka.UnknownTopicOrPartition) {
			return nil, nil
		}
		if err != nil {
			lastErr = err
			continue
		}
		return ps, nil
	}
	return nil, fmt.Errorf("replay: partitions of %s: %w", topic, lastErr)
}

// RebuildOptions say what to rebuild and where.
type RebuildOptions struct {
	ReplayOptions
	// Written is told each fact written, with the total to write.
	Written func(done, total int)
}

// RebuildResult says what a rebuild did.
type RebuildResult struct {
	Events, Skipped int64
	Facts           int
	Tenants         []string
}

// Rebuild replays the topics and makes each tenant's facts exactly what the replay folded
// (Store.Replace: newer facts written, facts the topics do not hold deleted). It runs
// beside the live service: a fact a live consumer writes meanwhile is newer and wins the
// conditional write, so the read model never goes backwards. The numbers are then those
// of the live path by construction: both keep the newest event per type and subject.
func Rebuild(ctx context.Context, cfg config.Service, opts RebuildOptions) (RebuildResult, error) {
	profiles, err := profile.LoadRegistry(cfg.Countries...)
	if err != nil {
		return RebuildResult{}, err
	}
	if opts.Tenant != "" {
		if _, _, ok := profiles.Tenant(opts.Tenant); !ok {
			return RebuildResult{}, fmt.Errorf("rebuild: %q is not a tenant of the country profiles %v", opts.Tenant, cfg.Countries)
		}
	}
	if len(opts.Brokers) == 0 {
		opts.Brokers = cfg.KafkaBrokers
	}
	client, err := mongox.Connect(cfg.MongoURI)
	if err != nil {
		return RebuildResult{}, err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	st := newStore(mongox.NewTenants(client, Name, store.Indexes), profiles)
	began := time.Now()
	rep, err := Replay(ctx, profiles, opts.ReplayOptions)
	if err != nil {
		return RebuildResult{}, err
	}
	res := RebuildResult{Events: rep.Events, Skipped: rep.Skipped, Facts: rep.Facts()}
	// Tenants with data but nothing on the topics are emptied too.
	tenants := []string{opts.Tenant}
	if opts.Tenant == "" {
		existing, err := st.Tenants.Existing(ctx)
		if err != nil {
			return res, err
		}
		tenants = append(rep.Tenants(), existing...)
		slices.Sort(tenants)
		tenants = slices.Compact(tenants)
	}
	done := 0
	for _, t := range tenants {
		err := st.Replace(ctx, t, rep.facts[t], began, func() {
			done++
			if opts.Written != nil {
				opts.Written(done, res.Facts)
			}
		})
		if err != nil {
			return res, fmt.Errorf("rebuild of %s: %w", t, err)
		}
	}
	res.Tenants = tenants
	return res, nil
}
