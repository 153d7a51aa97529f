// Package service wires an l4l service the same way every time: configuration, logging,
// metrics registry, MongoDB with per-tenant databases, the Kafka writer and outbox relay,
// bearer-token verification, the HTTP server with its operational routes, and the
// service's event consumers. A service's main is then a dozen lines, and `l4lctl dev up`
// runs every service in one process through the same Start.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/tenancy"
	"github.com/l4l-platform/l4l/libs/web"
)

// Deps are what a service's routes and consumers are built from.
type Deps struct {
	Config   config.Service
	Logger   *slog.Logger
	Metrics  *prometheus.Registry
	Mongo    *mongo.Client
	Tenants  *mongox.Tenants
	Profiles *profile.Registry
	Writer   *kafka.Writer
	Relay    *events.Relay
	Server   *web.Server
	// Tenancy is what the tenancy topic says of each tenant (TenancyGuard acts on it).
	Tenancy *tenancy.Watcher
}

// Definition is what makes one service different from another.
type Definition struct {
	Name    string
	OpenAPI []byte
	Indexes mongox.Indexes
	// Outbox lists the collections whose documents carry outboxes.
	Outbox []string
	// Routes registers the service's routes on /v1, behind bearer-token verification.
	Routes func(d *Deps, v1 *gin.RouterGroup) error
	// Subscriptions are the service's event consumers, each its own consumer group.
	Subscriptions []Subscription
	// Privacy, for a service that holds personal data, exports and erases a person's
	// records. Start then serves GET /v1/tenants/{t}/privacy/<service>/people/{person}
	// (dpo, admin) and consumes the directory's erasure requests, confirming each with
	// org.l4l.<service>.erasure.completed.v1 (docs/privacy.md).
	Privacy func(d *Deps) privacy.Hooks
	// Retention are the service's kinds of records that live for a limited time; libs
	// adds its own (privacy.PlatformRetention), runs them daily in every tenant with the
	// lifetimes of the tenant's country profile (spec.retention), and serves their
	// reports at GET/POST /v1/tenants/{t}/privacy/<service>/retention-runs (dpo, admin).
	Retention []privacy.RetentionRule
}

// Subscription is one consumer group of a service: the topics it reads and its handler.
// The group is named after the service (and Name, when a service has several), its inbox
// lives in the service's own database l4l_<service>, and poison events go to
// l4l.<group>.dlq.
type Subscription struct {
	Name    string
	Topics  []string
	Handler func(d *Deps) events.Handler
}

// GroupID is the Kafka consumer group of a subscription of service.
func (s Subscription) GroupID(service string) string {
	if s.Name == "" {
		return service
	}
	return service + "-" + s.Name
}

// Running is a started service.
type Running struct {
	URL  string
	Deps *Deps
	// Retention is the service's retention job (tests and operators may run it now).
	Retention *privacy.Retention
	done      chan error
}

// Wait blocks until the service stopped and returns why.
func (r *Running) Wait() error { return <-r.done }

// Start connects, applies indexes for the configured tenants, listens, and serves until ctx
// ends. The database or broker being down does not stop it from starting: /readyz says
// so, requests that need them answer 503, and the outbox keeps events until the broker is back.
func Start(ctx context.Context, def Definition, cfg config.Service, logger *slog.Logger) (*Running, error) {
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	}
	logger = logger.With("service", def.Name)
	profiles, err := profile.LoadRegistry(cfg.Countries...)
	if err != nil {
		return nil, err
	}
	client, err := mongox.Connect(cfg.MongoURI)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	writer := events.NewWriter(cfg.KafkaBrokers)
	relay := events.NewRelayWithOptions(writer, events.RelayOptions{
		Topic: events.Topic(def.Name), Logger: logger, Registerer: reg, SweepInterval: cfg.OutboxSweep,
	})
	tenants := mongox.NewTenants(client, def.Name, withPlatformIndexes(def.Indexes))
	def = withPrivacy(def)
	tenants.OnOpen = func(db *mongo.Database) {
		for _, c := range def.Outbox {
			relay.Watch(db.Collection(c))
		}
	}
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience, JWKSURL: cfg.OIDCJWKSURL})
	if err != nil {
		return nil, err
	}
	watcher := tenancy.NewWatcher(cfg.KafkaBrokers, logger)
	srv := web.New(web.Config{
		Service: def.Name, Addr: cfg.HTTPAddr, Logger: logger, Registry: reg, OpenAPI: def.OpenAPI,
		Checks: []web.Check{
			{Name: "mongodb", Fn: mongox.Ping(client)},
			{Name: "kafka", Fn: kafkaReachable(cfg.KafkaBrokers)},
			{Name: "tenancy", Fn: watcher.Check},
		},
	})
	d := &Deps{Config: cfg, Logger: logger, Metrics: reg, Mongo: client, Tenants: tenants, Profiles: profiles,
		Writer: writer, Relay: relay, Server: srv, Tenancy: watcher}
	trail, err := privacy.NewTrail(tenants, privacy.TrailOptions{OpenAPI: def.OpenAPI, Resolve: servedTenant, Logger: logger, Registerer: reg})
	if err != nil {
		return nil, fmt.Errorf("%s: OpenAPI document: %w", def.Name, err)
	}
	validQuery, err := web.QueryValidator(def.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", def.Name, err)
	}
	v1 := srv.Engine.Group("/v1", verifier.Middleware(), trail.Middleware(), TenancyGuard(watcher, profiles, cfg.Tenants), validQuery)
	v1.GET("/tenants/:tenant"+privacy.AuditRoute(def.Name), auth.Allow(privacy.ReaderRoles...), trail.ListHandler())
	if def.Privacy != nil {
		v1.GET("/tenants/:tenant"+privacy.PeopleRoute(def.Name), auth.Allow(privacy.ReaderRoles...), privacy.ExportHandler(def.Name, def.Privacy(d)))
	}
	retention := privacy.NewRetention(tenants, profiles, append(append([]privacy.RetentionRule(nil), privacy.PlatformRetention...), def.Retention...), logger, reg)
	v1.GET("/tenants/:tenant"+privacy.RetentionRoute(def.Name), auth.Allow(privacy.ReaderRoles...), retention.ListRunsHandler(servedTenant))
	v1.POST("/tenants/:tenant"+privacy.RetentionRoute(def.Name), auth.Allow(privacy.ReaderRoles...), retention.RunNowHandler(servedTenant))
	if err := def.Routes(d, v1); err != nil {
		return nil, err
	}

	// The watcher runs from here until the service has stopped serving.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var bg sync.WaitGroup
	bg.Go(func() { _ = watcher.Run(bgCtx) })
	bg.Go(func() { trail.Run(bgCtx) })
	bg.Go(func() { retention.Run(bgCtx, time.Minute, retentionInterval(logger)) })
	stopEarly := func() { stopBackground(); bg.Wait() }
	// Serve tenants from their announced state rather than answer 503 for the first
	// moments: reading the compacted topic takes a few milliseconds when the broker is up.
	// A broker that is down delays the start by at most this long.
	select {
	case <-watcher.CaughtUp():
	case <-time.After(tenancyStartWait):
		logger.Warn("starting before the tenancy topic was read; unannounced tenants answer 503 until it is", "waited", tenancyStartWait)
	case <-ctx.Done():
	}
	if err := srv.Listen(); err != nil {
		stopEarly()
		return nil, err
	}

	consumers := make([]*events.Consumer, 0, len(def.Subscriptions))
	for _, sub := range def.Subscriptions {
		c, err := events.NewConsumer(events.ConsumerConfig{
			Brokers: cfg.KafkaBrokers, GroupID: sub.GroupID(def.Name), Topics: sub.Topics,
			DB: client.Database("l4l_" + def.Name), InboxCollection: "inbox_" + strings.ReplaceAll(sub.GroupID(def.Name), "-", "_"),
			SessionTimeout: cfg.KafkaSessionTimeout, DLQ: writer, Logger: logger, Registerer: reg,
		}, sub.Handler(d))
		if err != nil {
			stopEarly()
			return nil, fmt.Errorf("%s: subscription %q: %w", def.Name, sub.GroupID(def.Name), err)
		}
		consumers = append(consumers, c)
	}

	openTenants(ctx, tenants, cfg.Tenants, logger)
	done := make(chan error, 1)
	go func() {
		bg.Go(func() { _ = relay.Run(bgCtx) })
		for _, c := range consumers {
			bg.Go(func() {
				if err := c.Run(bgCtx); err != nil && bgCtx.Err() == nil {
					logger.Error("consumer stopped", "error", err)
				}
			})
		}
		err := srv.Serve(ctx)
		// Serve returns once in-flight requests are drained; then the background work may stop.
		stopBackground()
		bg.Wait()
		for _, c := range consumers {
			err = errors.Join(err, c.Close())
		}
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, writer.Close(), client.Disconnect(closeCtx))
		done <- err
	}()
	logger.Info("serving", "url", srv.URL())
	return &Running{URL: srv.URL(), Deps: d, Retention: retention, done: done}, nil
}

// withPrivacy adds, for a service with privacy hooks, the consumer of the directory's
// erasure requests and the collection of its confirmations (which carries their events).
func withPrivacy(def Definition) Definition {
	if def.Privacy == nil {
		return def
	}
	def.Outbox = append(append([]string(nil), def.Outbox...), privacy.ErasuresCollection)
	def.Subscriptions = append(append([]Subscription(nil), def.Subscriptions...), Subscription{
		Name:   "privacy",
		Topics: []string{events.Topic("directory")},
		Handler: func(d *Deps) events.Handler {
			return privacy.ErasureHandler(def.Name, d.Tenants, d.Relay, def.Privacy(d))
		},
	})
	return def
}

// withPlatformIndexes adds the indexes of what libs keeps in every tenant database (the
// audit trail) to a service's own.
func withPlatformIndexes(own mongox.Indexes) mongox.Indexes {
	all := mongox.Indexes{}
	for _, idx := range []mongox.Indexes{own, privacy.Indexes} {
		for coll, models := range idx {
			all[coll] = append(all[coll], models...)
		}
	}
	return all
}

// retentionInterval is L4L_RETENTION_INTERVAL (a Go duration), 24h by default.
// (Read here rather than in libs/config, which another engineer was changing; it belongs
// in config.Service.)
func retentionInterval(logger *slog.Logger) time.Duration {
	v := os.Getenv("L4L_RETENTION_INTERVAL")
	if v == "" {
		return 24 * time.Hour
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		logger.Warn("L4L_RETENTION_INTERVAL is not a duration of a minute or more; using 24h", "value", v)
		return 24 * time.Hour
	}
	return d
}

// tenancyStartWait bounds how long Start waits for the tenancy topic to be read.
const tenancyStartWait = 5 * time.Second

// Run starts the service and blocks until ctx ends and it has stopped.
func Run(ctx context.Context, def Definition, cfg config.Service) error {
	r, err := Start(ctx, def, cfg, nil)
	if err != nil {
		return err
	}
	return r.Wait()
}

// openTenants applies indexes of the configured tenants and of those that already have a
// database (their outboxes may hold events from before a restart). A database that is
// down is not fatal: the tenants open on first use instead.
func openTenants(ctx context.Context, t *mongox.Tenants, configured []string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	existing, err := t.Existing(ctx)
	if err != nil {
		log.Warn("database unavailable at start; tenants will open on first use", "error", err)
	}
	for _, tenant := range append(configured, existing...) {
		if tenant == config.EveryTenant {
			continue // not every tenant of every profile: those with a database are in existing
		}
		if _, err := t.DB(ctx, tenant); err != nil {
			log.Warn("could not prepare tenant database", "tenant", tenant, "error", err)
		}
	}
}

func kafkaReachable(brokers []string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var errs []error
		for _, b := range brokers {
			// A metadata request, not just a TCP dial: the broker must answer Kafka.
			c, err := kafka.DialContext(ctx, "tcp", b)
			if err == nil {
				_, err = c.Brokers()
				_ = c.Close()
				if err == nil {
					return nil
				}
			}
			errs = append(errs, err)
		}
		return fmt.Errorf("no Kafka broker reachable: %w", errors.Join(errs...))
	}
}
