package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
	"github.com/l4l-platform/l4l/operators/tenant/internal/controller"
)

// platformNamespace is where the operator keeps tenant credentials in the suite.
const platformNamespace = "l4l"

// directoryImage is the only service image the suite configures: dedicated tenants get a
// directory Deployment, and no recruitment one.
const directoryImage = "ghcr.io/l4l-platform/directory:test"

// The suite shares one API server, broker, database and manager: starting envtest takes
// seconds, and every test works on its own tenants.
var (
	k8s       client.Client
	stack     *devstack.Stack
	databases controller.Databases
	registry  *prometheus.Registry
	published = &eventLog{}
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test-operator` (it builds kube-apiserver and etcd once into .cache/envtest)")
		return 1
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(false), zap.Level(zapLevel())))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	start := time.Now()
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	fmt.Fprintf(os.Stderr, "envtest: kube-apiserver and etcd up in %v\n", time.Since(start).Round(time.Millisecond))

	dir, err := os.MkdirTemp("", "operator-devstack-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	stack, err = devstack.Start(ctx, devstack.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stack.Close()
	if err := events.EnsureTopics(ctx, stack.KafkaBrokers, events.TenancyTopic); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mc, err := mongox.Connect(stack.MongoURI)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	databases = controller.Databases{Client: mc}

	stopCollect, err := published.collect(stack.KafkaBrokers)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stopCollect()

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := tenancyv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: platformNamespace}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	// The manager runs as a user holding only the generated ClusterRole and the chart's
	// namespaced Role, so a missing RBAC marker fails the suite instead of production.
	operatorCfg, err := restrictedUser(ctx, env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "operator user:", err)
		return 1
	}
	mgr, err := ctrl.NewManager(operatorCfg, ctrl.Options{
		Scheme:  scheme,
		Cache:   controller.CacheOptions(),
		Client:  controller.ClientOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	writer := events.NewWriter(stack.KafkaBrokers)
	defer writer.Close()
	registry = prometheus.NewRegistry()
	conf := controller.DefaultConfig(platformNamespace, stack.MongoURI)
	conf.Services = []string{"directory", "recruitment"}
	conf.Images = map[string]string{"directory": directoryImage}
	conf.KafkaBrokers = stack.KafkaBrokers
	tr := &controller.DistrictTenantReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: scheme, Recorder: mgr.GetEventRecorder("tenant-operator"),
		Publisher: writer, Databases: databases, Metrics: controller.NewMetrics(registry, mgr.GetClient()),
		Config: conf,
	}
	if err := tr.SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := (&controller.CountryProfileReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgrDone := make(chan error, 1)
	mgrCtx, stopMgr := context.WithCancel(ctx)
	go func() { mgrDone <- mgr.Start(mgrCtx) }()
	defer func() {
		stopMgr()
		if err := <-mgrDone; err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return m.Run()
}

// restrictedUser creates the operator's user with controller-gen's ClusterRole
// (config/rbac/role.yaml) alone; the chart's namespaced Role only adds the leader-election
// lease, and leader election is off here.
func restrictedUser(ctx context.Context, env *envtest.Environment) (*rest.Config, error) {
	const name = "tenant-operator"
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "role.yaml"))
	if err != nil {
		return nil, err
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &role); err != nil {
		return nil, err
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}
	objs := []client.Object{
		&role,
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name}},
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return nil, fmt.Errorf("create %T: %w", o, err)
		}
	}
	u, err := env.AddUser(envtest.User{Name: name}, nil)
	if err != nil {
		return nil, err
	}
	return u.Config(), nil
}

// zapLevel keeps the operator's log to errors unless OPERATOR_TEST_LOG is set.
func zapLevel() zapcore.Level {
	if os.Getenv("OPERATOR_TEST_LOG") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}

// eventLog gathers every message on the tenancy topic, from all partitions.
type eventLog struct {
	mu   sync.Mutex
	msgs []*kgo.Record
}

func (l *eventLog) collect(brokers []string) (stop func(), err error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(events.TenancyTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				l.mu.Lock()
				l.msgs = append(l.msgs, r)
				l.mu.Unlock()
			})
		}
	}()
	return func() { cancel(); <-done; cl.Close() }, nil
}

// forTenant returns the tenant's messages in publication order.
func (l *eventLog) forTenant(tenant string) []*kgo.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*kgo.Record
	for _, r := range l.msgs {
		if string(r.Key) == tenant {
			out = append(out, r)
		}
	}
	return out
}

// envelope decodes a record's CloudEvent.
func envelope(t *testing.T, r *kgo.Record) events.Envelope {
	t.Helper()
	var e events.Envelope
	if err := json.Unmarshal(r.Value, &e); err != nil {
		t.Fatalf("tenancy message is not a CloudEvent: %v: %s", err, r.Value)
	}
	return e
}
