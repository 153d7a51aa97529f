// Package web builds the HTTP server every l4l service runs: gin with request ids, slog
// access logs, panic recovery into problem documents, a body-size limit, timeouts, graceful
// shutdown, /healthz, /readyz, /metrics (RED metrics labelled by route template) and the
// service's OpenAPI document.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is a readiness probe of one dependency (MongoDB, Kafka).
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Config describes one service's server.
type Config struct {
	Service string
	Addr    string // host:port; ":0" picks a free port (tests)
	Logger  *slog.Logger
	// Registry receives the HTTP metrics and is served on /metrics. Tests pass their own.
	Registry *prometheus.Registry
	// OpenAPI is the service's contract, served at /openapi.yaml.
	OpenAPI []byte
	Checks  []Check
	// BodyLimit caps request bodies (default 1 MiB); routes that take files raise it.
	BodyLimit int64
	// HandlerTimeout bounds each request's context (default 30 s).
	HandlerTimeout time.Duration
}

// Server is a configured gin engine and its http.Server.
type Server struct {
	Engine *gin.Engine
	cfg    Config
	large  map[string]int64
	srv    *http.Server
	ln     net.Listener
}

func init() { gin.SetMode(gin.ReleaseMode) }

// New builds the engine with the platform's middleware and the operational routes; the
// service adds its own routes to Engine.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.HandlerTimeout == 0 {
		cfg.HandlerTimeout = 30 * time.Second
	}
	m := newMetrics(cfg.Registry)
	s := &Server{cfg: cfg, large: map[string]int64{}}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(requestID(), m.middleware(), accessLog(cfg.Logger), recovery(cfg.Logger), bodyLimit(cfg.BodyLimit, s.large), timeout(cfg.HandlerTimeout))
	e.NoRoute(func(c *gin.Context) { Fail(c, errNoRoute) })
	e.NoMethod(func(c *gin.Context) { Fail(c, errNoMethod) })

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", readyz(cfg.Checks))
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry})))
	if cfg.OpenAPI != nil {
		e.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", cfg.OpenAPI) })
	}
	s.Engine = e
	return s
}

// AllowLargeBody raises the body limit of one route (by its template, as registered):
// CSV imports take megabytes where JSON writes take kilobytes. Call before serving.
func (s *Server) AllowLargeBody(route string, limit int64) { s.large[route] = limit }

// Listen binds the address, so that callers learn the port before serving.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("%s: listen on %s: %w", s.cfg.Service, s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// URL is the server's base URL once it listens.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Serve runs until ctx is done, then drains in-flight requests for up to 10 s.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.srv = &http.Server{
		Handler:           s.Engine,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      s.cfg.HandlerTimeout + 5*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("%s: shutdown: %w", s.cfg.Service, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func readyz(checks []Check) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		status := http.StatusOK
		results := gin.H{}
		for _, ch := range checks {
			if err := ch.Fn(ctx); err != nil {
				status = http.StatusServiceUnavailable
				results[ch.Name] = err.Error()
				continue
			}
			results[ch.Name] = "ok"
		}
		if status != http.StatusOK {
			c.Header("Content-Type", "application/problem+json")
			c.JSON(status, gin.H{"type": "https://l4l.org/problems/unavailable", "title": "Not ready",
				"status": status, "detail": "a dependency is unreachable", "checks": results})
			return
		}
		c.JSON(status, gin.H{"status": "ready", "checks": results})
	}
}
