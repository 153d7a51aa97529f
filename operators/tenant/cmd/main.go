// Command tenant-operator reconciles CountryProfiles and DistrictTenants: it provisions each
// district's MongoDB databases and credentials (and a namespace for dedicated tenants) and
// announces tenants on l4l.tenancy.events.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
	"github.com/l4l-platform/l4l/operators/tenant/internal/controller"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tenant-operator:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		metricsAddr = flag.String("metrics-bind-address", ":8080", "where /metrics is served (0 disables it)")
		probeAddr   = flag.String("health-probe-bind-address", ":8081", "where /healthz and /readyz are served")
		leaderElect = flag.Bool("leader-elect", false, "elect a leader, so that only one replica reconciles")
		namespace   = flag.String("namespace", env("POD_NAMESPACE", "l4l"), "the platform namespace (tenant credentials live there)")
		mongoURI    = flag.String("mongo-uri", env("L4L_MONGO_URI", "mongodb://127.0.0.1:27017/"), "MongoDB to provision tenant databases in")
		brokers     = flag.String("kafka-brokers", env("L4L_KAFKA_BROKERS", "127.0.0.1:9092"), "Kafka brokers, comma-separated")
		services    = flag.String("services", strings.Join(controller.DefaultServices, ","), "services with a database per tenant, comma-separated")
		images      = flag.String("service-images", "", "service=image pairs, comma-separated: dedicated tenants get these services' Deployments")
	)
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := tenancyv1.AddToScheme(scheme); err != nil {
		return err
	}

	serviceImages, err := pairs(*images)
	if err != nil {
		return fmt.Errorf("--service-images: %w", err)
	}

	ctx := ctrl.SetupSignalHandler()
	kafkaBrokers := strings.Split(*brokers, ",")
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Created compacted here rather than auto-created (uncompacted) by the first write.
	if err := events.EnsureTopics(startCtx, kafkaBrokers, events.TenancyTopic); err != nil {
		return err
	}
	mc, err := mongox.Connect(*mongoURI)
	if err != nil {
		return err
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	writer := events.NewWriter(kafkaBrokers)
	defer writer.Close()

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme,
		Cache:                  controller.CacheOptions(),
		Client:                 controller.ClientOptions(),
		Metrics:                metricsserver.Options{BindAddress: *metricsAddr},
		HealthProbeBindAddress: *probeAddr,
		LeaderElection:         *leaderElect,
		LeaderElectionID:       "tenant-operator.l4l.org",
		// The lease lives in the operator's own namespace, so its RBAC is a Role there.
		LeaderElectionNamespace:       *namespace,
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return err
	}
	conf := controller.DefaultConfig(*namespace, *mongoURI)
	conf.Services = strings.Split(*services, ",")
	conf.KafkaBrokers = kafkaBrokers
	conf.Images = serviceImages
	// Dedicated tenants' services verify tokens from the same issuer as the platform's.
	for _, k := range []string{"L4L_OIDC_ISSUER", "L4L_OIDC_AUDIENCE", "L4L_OIDC_JWKS_URL"} {
		if v := os.Getenv(k); v != "" {
			conf.ServiceEnv = append(conf.ServiceEnv, corev1.EnvVar{Name: k, Value: v})
		}
	}
	tenants := &controller.DistrictTenantReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: scheme, Recorder: mgr.GetEventRecorder("tenant-operator"),
		Publisher: writer, Databases: controller.Databases{Client: mc},
		Metrics: controller.NewMetrics(metrics.Registry, mgr.GetClient()), Config: conf,
	}
	if err := tenants.SetupWithManager(mgr); err != nil {
		return err
	}
	if err := (&controller.CountryProfileReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", func(r *http.Request) error { return mongox.Ping(mc)(r.Context()) }); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

func pairs(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not service=image", p)
		}
		out[k] = v
	}
	return out, nil
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
