package controller_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/libs/tenancy"
	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
	"github.com/l4l-platform/l4l/operators/tenant/internal/controller"
)

const within = 20 * time.Second

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// applyProfile creates a shipped profile from its YAML file, unchanged, as
// `kubectl apply -f` would.
func applyProfile(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "libs", "profile", "profiles", file))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(context.Background(), u); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("apply %s: %v", file, err)
	}
}

func waitValid(t *testing.T, name string) {
	t.Helper()
	eventually(t, "CountryProfile "+name+" Valid", func() bool {
		var cp tenancyv1.CountryProfile
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, &cp); err != nil {
			return false
		}
		return meta.IsStatusConditionTrue(cp.Status.Conditions, tenancyv1.ConditionValid) &&
			cp.Status.ObservedGeneration == cp.Generation
	})
}

func newTenant(code, tier string) *tenancyv1.DistrictTenant {
	country, _, _ := strings.Cut(code, "-")
	return &tenancyv1.DistrictTenant{
		ObjectMeta: metav1.ObjectMeta{Name: code},
		Spec: tenancyv1.DistrictTenantSpec{
			Country: country, Code: code, DisplayName: code, Tier: tenancyv1.Tier(tier),
			Contacts: []tenancyv1.Contact{{Name: "DEO office", Email: "deo@example.org", Role: "deo"}},
		},
	}
}

func create(t *testing.T, dt *tenancyv1.DistrictTenant) {
	t.Helper()
	if err := k8s.Create(context.Background(), dt); err != nil {
		t.Fatalf("create %s: %v", dt.Name, err)
	}
}

func get(t *testing.T, name string) *tenancyv1.DistrictTenant {
	t.Helper()
	var dt tenancyv1.DistrictTenant
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, &dt); err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return &dt
}

// update applies change to the latest copy, retrying on conflicts with the operator.
func update(t *testing.T, name string, change func(*tenancyv1.DistrictTenant)) {
	t.Helper()
	for range 10 {
		dt := get(t, name)
		change(dt)
		err := k8s.Update(context.Background(), dt)
		if err == nil {
			return
		}
		if !apierrors.IsConflict(err) {
			t.Fatalf("update %s: %v", name, err)
		}
	}
	t.Fatalf("update %s: conflicts", name)
}

// waitReady waits for the Ready condition of the current generation to have status and reason.
func waitReady(t *testing.T, name string, status metav1.ConditionStatus, reason string) *tenancyv1.DistrictTenant {
	t.Helper()
	var dt *tenancyv1.DistrictTenant
	eventually(t, name+" Ready="+string(status)+"/"+reason, func() bool {
		dt = get(t, name)
		c := meta.FindStatusCondition(dt.Status.Conditions, tenancyv1.ConditionReady)
		return c != nil && c.Status == status && c.Reason == reason &&
			c.ObservedGeneration == dt.Generation && dt.Status.ObservedGeneration == dt.Generation
	})
	return dt
}

// waitEvents waits until the tenant has n messages on the tenancy topic and returns them,
// each validated against its JSON Schema in api/events.
func waitEvents(t *testing.T, tenant string, n int) []*kgo.Record {
	t.Helper()
	eventually(t, "tenancy events of "+tenant, func() bool { return len(published.forTenant(tenant)) >= n })
	recs := published.forTenant(tenant)
	for _, r := range recs {
		servicetest.ValidateEvent(t, filepath.Join("..", "..", "..", "..", "libs", "tenancy", "api", "events"), r.Value)
	}
	return recs
}

func deleteTenant(t *testing.T, name string) {
	t.Helper()
	if err := k8s.Delete(context.Background(), &tenancyv1.DistrictTenant{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, name+" gone", func() bool {
		err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, &tenancyv1.DistrictTenant{})
		return apierrors.IsNotFound(err)
	})
}

func dbExists(t *testing.T, name string) bool {
	t.Helper()
	ok, err := databases.Exists(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// series returns the value of the metric family's series with the given labels, and
// whether it exists (counters and gauges; histograms give their sample count).
func series(t *testing.T, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for k, v := range labels {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestEnvtestServesTheCRDs(t *testing.T) {
	for _, list := range []client.ObjectList{&tenancyv1.CountryProfileList{}, &tenancyv1.DistrictTenantList{}} {
		if err := k8s.List(context.Background(), list); err != nil {
			t.Fatalf("list %T on the envtest API server: %v", list, err)
		}
	}
}

func TestShippedProfilesApplyUnchangedAndAreValid(t *testing.T) {
	// kenya.yaml is applied by TestTenantWaitsForItsProfile, which needs it absent first.
	applyProfile(t, "rwanda.yaml")
	waitValid(t, "rw")
	// Round trip: what the API server stored is the profile the YAML describes.
	want, err := profile.Load("rw")
	if err != nil {
		t.Fatal(err)
	}
	var cp tenancyv1.CountryProfile
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: "rw"}, &cp); err != nil {
		t.Fatal(err)
	}
	if len(cp.Spec.Geography.Units) != len(want.Geography.Units) || cp.Spec.TimeZone != want.TimeZone {
		t.Fatalf("stored profile differs: %d units, zone %q; want %d, %q",
			len(cp.Spec.Geography.Units), cp.Spec.TimeZone, len(want.Geography.Units), want.TimeZone)
	}
}

func TestInvalidProfileIsMarkedInvalid(t *testing.T) {
	spec, err := profile.Load("rw")
	if err != nil {
		t.Fatal(err)
	}
	// A valid schema, an invalid profile: Validate catches the dangling parent.
	spec.Country, spec.Name = "zz", "Nowhere"
	for i := range spec.Geography.Units {
		spec.Geography.Units[i].Code = "zz" + strings.TrimPrefix(spec.Geography.Units[i].Code, "rw")
		if spec.Geography.Units[i].Parent != "" {
			spec.Geography.Units[i].Parent = "zz" + strings.TrimPrefix(spec.Geography.Units[i].Parent, "rw")
		}
	}
	spec.Geography.Units[len(spec.Geography.Units)-1].Parent = "zz-atlantis"
	cp := &tenancyv1.CountryProfile{ObjectMeta: metav1.ObjectMeta{Name: "zz"}, Spec: *spec}
	if err := k8s.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "CountryProfile zz Valid=False", func() bool {
		var got tenancyv1.CountryProfile
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: "zz"}, &got); err != nil {
			return false
		}
		c := meta.FindStatusCondition(got.Status.Conditions, tenancyv1.ConditionValid)
		return c != nil && c.Status == metav1.ConditionFalse && strings.Contains(c.Message, "zz-atlantis")
	})
	create(t, newTenant("zz-gasabo", "shared"))
	waitReady(t, "zz-gasabo", metav1.ConditionFalse, tenancyv1.ReasonProfileInvalid)
	if n := len(published.forTenant("zz-gasabo")); n != 0 {
		t.Fatalf("a tenant of an invalid profile was announced (%d events)", n)
	}
}

func TestSharedTenantIsProvisioned(t *testing.T) {
	applyProfile(t, "rwanda.yaml")
	dt := newTenant("rw-gasabo", "")
	dt.Spec.ParentUnit = "rw-kigali"
	create(t, dt)
	got := waitReady(t, "rw-gasabo", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)

	if got.Spec.Tier != tenancyv1.TierShared || got.Spec.DeletionPolicy != tenancyv1.DeletionRetain {
		t.Errorf("defaults: tier %q, deletionPolicy %q; want shared, Retain", got.Spec.Tier, got.Spec.DeletionPolicy)
	}
	if got.Status.Phase != tenancyv1.PhaseReady || got.Status.Namespace != "" {
		t.Errorf("status: phase %q, namespace %q", got.Status.Phase, got.Status.Namespace)
	}
	if !strings.Contains(strings.Join(got.Finalizers, ","), controller.Finalizer) {
		t.Errorf("finalizers %v lack %s", got.Finalizers, controller.Finalizer)
	}
	wantDBs := []string{mongox.DBName("directory", "rw-gasabo"), mongox.DBName("recruitment", "rw-gasabo")}
	if strings.Join(got.Status.Databases, ",") != strings.Join(wantDBs, ",") {
		t.Errorf("status.databases %v, want %v", got.Status.Databases, wantDBs)
	}
	for _, db := range wantDBs {
		if !dbExists(t, db) {
			t.Errorf("database %s was not created", db)
		}
	}

	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: platformNamespace, Name: controller.SecretName("rw-gasabo")}, &s); err != nil {
		t.Fatalf("credentials secret: %v", err)
	}
	if got.Status.SecretRef != platformNamespace+"/"+s.Name {
		t.Errorf("status.secretRef %q", got.Status.SecretRef)
	}
	if string(s.Data["L4L_MONGO_URI"]) != stack.MongoURI || len(s.Data["password"]) < 32 ||
		string(s.Data["databases"]) != strings.Join(wantDBs, ",") || string(s.Data["username"]) != "l4l_rw_gasabo" {
		t.Errorf("secret data: %v", keysAndSizes(s.Data))
	}
	if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != got.UID || s.Labels[controller.TenantLabel] != "rw-gasabo" {
		t.Errorf("secret not owned/labelled by the tenant: %v %v", s.OwnerReferences, s.Labels)
	}

	recs := waitEvents(t, "rw-gasabo", 1)
	e := envelope(t, recs[0])
	if e.Type != tenancy.TypeProvisioned || e.Tenant != "rw-gasabo" || e.Subject != "rw-gasabo" {
		t.Fatalf("event %s tenant %s subject %s", e.Type, e.Tenant, e.Subject)
	}
	var data tenancy.Tenant
	if err := e.DecodeData(&data); err != nil {
		t.Fatal(err)
	}
	if data.Country != "rw" || data.Tier != "shared" || data.ParentUnit != "rw-kigali" || data.Suspended ||
		data.CredentialsSecret != got.Status.SecretRef || len(data.Databases) != 2 || data.Generation != got.Generation {
		t.Errorf("event data %+v", data)
	}
	if got.Status.LastEvent == nil || got.Status.LastEvent.ID != e.ID {
		t.Errorf("status.lastEvent %+v, want id %s", got.Status.LastEvent, e.ID)
	}

	// Idempotent: further reconciles (the Secret's and status's own watch events) publish nothing more.
	time.Sleep(time.Second)
	if n := len(published.forTenant("rw-gasabo")); n != 1 {
		t.Errorf("%d tenancy events for an unchanged tenant, want 1", n)
	}
	eventually(t, "CountryProfile rw lists rw-gasabo", func() bool {
		var cp tenancyv1.CountryProfile
		_ = k8s.Get(context.Background(), client.ObjectKey{Name: "rw"}, &cp)
		return strings.Contains(strings.Join(cp.Status.Tenants, ","), "rw-gasabo")
	})
	if v, ok := series(t, "l4l_operator_tenants", map[string]string{"country": "rw", "tier": "shared", "phase": "Ready"}); !ok || v < 1 {
		t.Errorf("l4l_operator_tenants{rw,shared,Ready} = %v, %v", v, ok)
	}
	if _, ok := series(t, "l4l_operator_reconcile_duration_seconds", map[string]string{"tenant": "rw-gasabo"}); !ok {
		t.Error("no reconcile duration series for rw-gasabo")
	}
}

func keysAndSizes(m map[string][]byte) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

func TestTenantWaitsForItsProfile(t *testing.T) {
	create(t, newTenant("ke-kwale", "shared"))
	got := waitReady(t, "ke-kwale", metav1.ConditionFalse, tenancyv1.ReasonProfileNotFound)
	if got.Status.Phase != tenancyv1.PhasePending {
		t.Errorf("phase %q, want Pending", got.Status.Phase)
	}
	if dbExists(t, mongox.DBName("directory", "ke-kwale")) || len(published.forTenant("ke-kwale")) != 0 {
		t.Fatal("a tenant without a profile was provisioned")
	}
	applyProfile(t, "kenya.yaml")
	waitValid(t, "ke")
	waitReady(t, "ke-kwale", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
	waitEvents(t, "ke-kwale", 1)
}

func TestTenantOutsideTheProfileIsRefusedWithoutRetrying(t *testing.T) {
	applyProfile(t, "rwanda.yaml")
	for _, tc := range []struct{ code, reason string }{
		{"rw-atlantis", tenancyv1.ReasonUnknownUnit},
		{"rw-kigali", tenancyv1.ReasonNotTenantLevel}, // a province, not a district
	} {
		t.Run(tc.code, func(t *testing.T) {
			create(t, newTenant(tc.code, "shared"))
			got := waitReady(t, tc.code, metav1.ConditionFalse, tc.reason)
			if got.Status.Phase != tenancyv1.PhaseFailed {
				t.Errorf("phase %q, want Failed", got.Status.Phase)
			}
			// No retry storm: once settled, neither the object nor the reconcile count moves.
			time.Sleep(500 * time.Millisecond)
			rv := get(t, tc.code).ResourceVersion
			n, _ := series(t, "l4l_operator_reconcile_duration_seconds", map[string]string{"tenant": tc.code})
			time.Sleep(2 * time.Second)
			n2, _ := series(t, "l4l_operator_reconcile_duration_seconds", map[string]string{"tenant": tc.code})
			if rv2 := get(t, tc.code).ResourceVersion; rv2 != rv || n2 != n {
				t.Errorf("still reconciling: resourceVersion %s → %s, reconciles %v → %v", rv, rv2, n, n2)
			}
			if len(published.forTenant(tc.code)) != 0 {
				t.Error("an invalid tenant was announced")
			}
			// One Warning Event says why (recorded through the restricted user's RBAC).
			eventually(t, "a Warning event for "+tc.code, func() bool {
				var list eventsv1.EventList
				if err := k8s.List(context.Background(), &list); err != nil {
					return false
				}
				for _, e := range list.Items {
					if e.Regarding.Name == tc.code && e.Reason == tc.reason && e.Type == corev1.EventTypeWarning {
						return true
					}
				}
				return false
			})
		})
	}
}

func TestUpdateSuspendAndResume(t *testing.T) {
	applyProfile(t, "rwanda.yaml")
	create(t, newTenant("rw-huye", "shared"))
	waitReady(t, "rw-huye", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
	waitEvents(t, "rw-huye", 1)

	update(t, "rw-huye", func(dt *tenancyv1.DistrictTenant) { dt.Spec.DisplayName = "Huye District" })
	got := waitReady(t, "rw-huye", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
	if got.Generation != 2 {
		t.Fatalf("generation %d after one update", got.Generation)
	}
	recs := waitEvents(t, "rw-huye", 2)
	var data tenancy.Tenant
	if err := envelope(t, recs[1]).DecodeData(&data); err != nil || data.Generation != 2 {
		t.Fatalf("update announced generation %d (%v), want 2", data.Generation, err)
	}

	update(t, "rw-huye", func(dt *tenancyv1.DistrictTenant) { dt.Spec.Suspended = true })
	got = waitReady(t, "rw-huye", metav1.ConditionFalse, tenancyv1.ReasonSuspended)
	if got.Status.Phase != tenancyv1.PhaseSuspended {
		t.Errorf("phase %q, want Suspended", got.Status.Phase)
	}
	recs = waitEvents(t, "rw-huye", 3)
	if e := envelope(t, recs[2]); e.Type != tenancy.TypeSuspended {
		t.Fatalf("third event %s, want suspended", e.Type)
	}
	if !dbExists(t, mongox.DBName("directory", "rw-huye")) {
		t.Error("suspension dropped the tenant's data")
	}

	update(t, "rw-huye", func(dt *tenancyv1.DistrictTenant) { dt.Spec.Suspended = false })
	waitReady(t, "rw-huye", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
	recs = waitEvents(t, "rw-huye", 4)
	if e := envelope(t, recs[3]); e.Type != tenancy.TypeProvisioned {
		t.Fatalf("fourth event %s, want provisioned", e.Type)
	}
}

func TestDedicatedTenantGetsItsNamespace(t *testing.T) {
	applyProfile(t, "rwanda.yaml")
	create(t, newTenant("rw-kicukiro", "dedicated"))
	got := waitReady(t, "rw-kicukiro", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
	ns := controller.TenantNamespace("rw-kicukiro")
	if ns != "l4l-rw-kicukiro" || got.Status.Namespace != ns {
		t.Fatalf("status.namespace %q, want l4l-rw-kicukiro", got.Status.Namespace)
	}
	ctx := context.Background()
	var n corev1.Namespace
	if err := k8s.Get(ctx, client.ObjectKey{Name: ns}, &n); err != nil {
		t.Fatal(err)
	}
	owned := func(o metav1.Object) {
		t.Helper()
		refs := o.GetOwnerReferences()
		if len(refs) != 1 || refs[0].UID != got.UID || o.GetLabels()[controller.ManagedByLabel] != controller.ManagedBy {
			t.Errorf("%s: owner %v labels %v", o.GetName(), refs, o.GetLabels())
		}
	}
	owned(&n)

	var quota corev1.ResourceQuota
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: controller.QuotaName}, &quota); err != nil {
		t.Fatal(err)
	}
	owned(&quota)
	if q := quota.Spec.Hard[corev1.ResourcePods]; q.String() != "50" {
		t.Errorf("quota pods %s", q.String())
	}
	var lr corev1.LimitRange
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: controller.LimitRangeName}, &lr); err != nil {
		t.Fatal(err)
	}
	owned(&lr)
	if len(lr.Spec.Limits) != 1 || lr.Spec.Limits[0].Default.Memory().String() != "256Mi" {
		t.Errorf("limit range %+v", lr.Spec.Limits)
	}
	var np networkingv1.NetworkPolicy
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: controller.NetworkPolicyName}, &np); err != nil {
		t.Fatal(err)
	}
	owned(&np)
	if len(np.Spec.PodSelector.MatchLabels) != 0 || len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 2 ||
		np.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels[corev1.LabelMetadataName] != platformNamespace {
		t.Errorf("network policy %+v", np.Spec)
	}
	// The services with an image run in the namespace, for this tenant alone, with the
	// credentials copied in (pods cannot read the platform namespace's Secret).
	var creds corev1.Secret
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: controller.TenantSecretName}, &creds); err != nil {
		t.Fatal(err)
	}
	owned(&creds)
	if string(creds.Data["L4L_MONGO_URI"]) != stack.MongoURI || len(creds.Data["password"]) == 0 {
		t.Errorf("tenant namespace credentials: %v", keysAndSizes(creds.Data))
	}
	var dep appsv1.Deployment
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "directory"}, &dep); err != nil {
		t.Fatal(err)
	}
	owned(&dep)
	c := dep.Spec.Template.Spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if c.Image != directoryImage || env["L4L_TENANTS"].Value != "rw-kicukiro" || env["L4L_COUNTRIES"].Value != "rw" ||
		env["L4L_MONGO_URI"].ValueFrom == nil || env["L4L_MONGO_URI"].ValueFrom.SecretKeyRef.Name != controller.TenantSecretName {
		t.Errorf("directory deployment: image %s env %+v", c.Image, c.Env)
	}
	var svc corev1.Service
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "directory"}, &svc); err != nil {
		t.Fatal(err)
	}
	owned(&svc)
	if svc.Spec.Selector["app.kubernetes.io/name"] != "directory" {
		t.Errorf("service selector %v", svc.Spec.Selector)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "recruitment"}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("recruitment has no image but got a Deployment: %v", err)
	}
	// An unchanged tenant leaves its Deployment alone (no update loop against defaulting).
	time.Sleep(time.Second)
	var again appsv1.Deployment
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "directory"}, &again); err != nil {
		t.Fatal(err)
	}
	if again.ResourceVersion != dep.ResourceVersion {
		t.Errorf("the directory Deployment keeps changing: resourceVersion %s → %s", dep.ResourceVersion, again.ResourceVersion)
	}

	recs := waitEvents(t, "rw-kicukiro", 1)
	var data tenancy.Tenant
	if err := envelope(t, recs[0]).DecodeData(&data); err != nil || data.Tier != "dedicated" || data.Namespace != ns {
		t.Errorf("event data %+v (%v)", data, err)
	}

	// A drifted object is put back.
	quota.Spec.Hard[corev1.ResourcePods] = resourceQuantity("500")
	if err := k8s.Update(ctx, &quota); err != nil {
		t.Fatal(err)
	}
	eventually(t, "quota restored", func() bool {
		var q corev1.ResourceQuota
		_ = k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: controller.QuotaName}, &q)
		p := q.Spec.Hard[corev1.ResourcePods]
		return p.String() == "50"
	})

	// Back to shared: the namespace goes (envtest runs no namespace controller, so it
	// stays Terminating; the deletion request is what the operator owes).
	update(t, "rw-kicukiro", func(dt *tenancyv1.DistrictTenant) { dt.Spec.Tier = tenancyv1.TierShared })
	got = waitReady(t, "rw-kicukiro", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
	if got.Status.Namespace != "" {
		t.Errorf("status.namespace %q after moving to shared", got.Status.Namespace)
	}
	eventually(t, "namespace deletion", func() bool {
		var n corev1.Namespace
		err := k8s.Get(ctx, client.ObjectKey{Name: ns}, &n)
		return apierrors.IsNotFound(err) || !n.DeletionTimestamp.IsZero()
	})
}

func TestDeleteRetainsOrDropsTheData(t *testing.T) {
	applyProfile(t, "rwanda.yaml")
	for _, tc := range []struct {
		code   string
		policy tenancyv1.DeletionPolicy
	}{
		{"rw-nyanza", tenancyv1.DeletionRetain},
		{"rw-ruhango", tenancyv1.DeletionDelete},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			dt := newTenant(tc.code, "shared")
			dt.Spec.DeletionPolicy = tc.policy
			create(t, dt)
			waitReady(t, tc.code, metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
			waitEvents(t, tc.code, 1)
			db := mongox.DBName("directory", tc.code)
			if !dbExists(t, db) {
				t.Fatalf("database %s missing before deletion", db)
			}
			if _, ok := series(t, "l4l_operator_reconcile_duration_seconds", map[string]string{"tenant": tc.code}); !ok {
				t.Fatal("no per-tenant series before deletion")
			}

			deleteTenant(t, tc.code)

			recs := waitEvents(t, tc.code, 2)
			e := envelope(t, recs[len(recs)-1])
			var data tenancy.Tenant
			if err := e.DecodeData(&data); err != nil {
				t.Fatal(err)
			}
			retained := tc.policy == tenancyv1.DeletionRetain
			if e.Type != tenancy.TypeDeprovisioned || data.DataRetained == nil || *data.DataRetained != retained {
				t.Fatalf("last event %s data_retained %v, want deprovisioned %v", e.Type, data.DataRetained, retained)
			}
			if dbExists(t, db) != retained {
				t.Errorf("database %s exists = %v, want %v", db, !retained, retained)
			}
			err := k8s.Get(context.Background(), client.ObjectKey{Namespace: platformNamespace, Name: controller.SecretName(tc.code)}, &corev1.Secret{})
			if !apierrors.IsNotFound(err) {
				t.Errorf("credentials secret after deletion: %v", err)
			}
			for _, name := range []string{"l4l_operator_reconcile_duration_seconds", "l4l_operator_reconcile_errors_total"} {
				if _, ok := series(t, name, map[string]string{"tenant": tc.code}); ok {
					t.Errorf("%s still has a series for the deleted tenant", name)
				}
			}
		})
	}
}

func TestInvalidSpecsAreRefusedByTheAPIServer(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		tenant *tenancyv1.DistrictTenant
	}{
		{"tier not in the enum", func() *tenancyv1.DistrictTenant { d := newTenant("rw-gicumbi", "gold"); return d }()},
		{"name differs from code", func() *tenancyv1.DistrictTenant { d := newTenant("rw-gicumbi", "shared"); d.Name = "gicumbi"; return d }()},
		{"code of another country", func() *tenancyv1.DistrictTenant {
			d := newTenant("rw-gicumbi", "shared")
			d.Spec.Country = "ke"
			return d
		}()},
		{"country not a lower-case code", func() *tenancyv1.DistrictTenant {
			d := newTenant("rw-gicumbi", "shared")
			d.Spec.Country = "RW"
			return d
		}()},
		{"deletion policy not in the enum", func() *tenancyv1.DistrictTenant {
			d := newTenant("rw-gicumbi", "shared")
			d.Spec.DeletionPolicy = "Archive"
			return d
		}()},
		{"dedicated code too long for a namespace", func() *tenancyv1.DistrictTenant {
			return newTenant("rw-"+strings.Repeat("a", 58), "dedicated")
		}()},
		{"no display name", func() *tenancyv1.DistrictTenant {
			d := newTenant("rw-gicumbi", "shared")
			d.Spec.DisplayName = ""
			return d
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := k8s.Create(ctx, tc.tenant)
			if !apierrors.IsInvalid(err) {
				t.Fatalf("create: %v, want Invalid", err)
			}
		})
	}

	t.Run("code and country are immutable", func(t *testing.T) {
		create(t, newTenant("rw-burera", "shared"))
		for _, change := range []struct {
			field  string
			mutate func(*tenancyv1.DistrictTenant)
		}{
			{"code", func(dt *tenancyv1.DistrictTenant) { dt.Spec.Code = "rw-musanze" }},
			{"country", func(dt *tenancyv1.DistrictTenant) { dt.Spec.Country = "ke" }},
		} {
			err := updateErr(t, "rw-burera", change.mutate)
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), change.field+" is immutable") {
				t.Errorf("update %s: %v, want Invalid saying %s is immutable", change.field, err, change.field)
			}
		}
	})

	t.Run("profile named other than its country", func(t *testing.T) {
		spec, err := profile.Load("ke")
		if err != nil {
			t.Fatal(err)
		}
		err = k8s.Create(ctx, &tenancyv1.CountryProfile{ObjectMeta: metav1.ObjectMeta{Name: "kenya"}, Spec: *spec})
		if !apierrors.IsInvalid(err) {
			t.Fatalf("create: %v, want Invalid", err)
		}
	})
}

// updateErr is update that returns the API server's refusal.
func updateErr(t *testing.T, name string, change func(*tenancyv1.DistrictTenant)) error {
	t.Helper()
	for {
		dt := get(t, name)
		change(dt)
		if err := k8s.Update(context.Background(), dt); !apierrors.IsConflict(err) {
			return err
		}
	}
}

func resourceQuantity(s string) resource.Quantity { return resource.MustParse(s) }
