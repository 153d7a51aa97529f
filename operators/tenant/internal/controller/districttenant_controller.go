package controller

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	networkingv1 "k8s.io/api/networking/v1"

	l4levents "github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/tenancy"
	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
)

// countryField indexes DistrictTenants by spec.country, so a CountryProfile change finds
// its tenants without listing all of them.
const countryField = "spec.country"

// DistrictTenantReconciler provisions DistrictTenants.
type DistrictTenantReconciler struct {
	client.Client
	// APIReader reads the tenant past the cache: a reconcile triggered by its own Secret or
	// status change may otherwise see a status without the event just published, and
	// publish it again.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	Publisher l4levents.Publisher
	Databases Databases
	Metrics   *Metrics
	Config    Config
}

// +kubebuilder:rbac:groups=l4l.org,resources=districttenants,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=l4l.org,resources=districttenants/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=l4l.org,resources=districttenants/finalizers,verbs=update
// +kubebuilder:rbac:groups=l4l.org,resources=countryprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces;resourcequotas;limitranges,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one DistrictTenant's databases, Secret, namespace and announced state in
// line with its spec. Errors requeue with controller-runtime's exponential back-off; a
// tenant that cannot be provisioned until someone changes something (no profile, a code
// the profile does not know) gets a Ready=False condition and no requeue: the watches on
// DistrictTenants and CountryProfiles bring it back when that something changes.
func (r *DistrictTenantReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	start := time.Now()
	var t tenancyv1.DistrictTenant
	if err := r.APIReader.Get(ctx, req.NamespacedName, &t); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.Forget(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !t.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, &t)
	}
	defer r.Metrics.observe(t.Name, start)

	if controllerutil.AddFinalizer(&t, Finalizer) {
		if err := r.Update(ctx, &t); err != nil {
			return ctrl.Result{}, err
		}
	}

	orig := t.DeepCopy()
	// Status is computed below and written once, whatever path the reconcile takes.
	defer func() {
		t.Status.ObservedGeneration = t.Generation
		if equality.Semantic.DeepEqual(orig.Status, t.Status) {
			return
		}
		if perr := r.Status().Patch(ctx, &t, client.MergeFrom(orig)); perr != nil {
			err = errors.Join(err, perr)
		}
	}()

	if reason, msg := r.checkProfile(ctx, &t); reason != "" {
		phase := tenancyv1.PhaseFailed
		if reason == tenancyv1.ReasonProfileNotFound {
			phase = tenancyv1.PhasePending
		}
		r.setReady(&t, metav1.ConditionFalse, reason, msg, phase)
		if changed := meta.FindStatusCondition(orig.Status.Conditions, tenancyv1.ConditionReady); changed == nil || changed.Reason != reason {
			r.Recorder.Eventf(&t, nil, corev1.EventTypeWarning, reason, "Validate", msg)
		}
		return ctrl.Result{}, nil
	}

	if err := r.provision(ctx, &t); err != nil {
		r.Metrics.failed(t.Name, tenancyv1.ReasonProvisioningFailed)
		r.setReady(&t, metav1.ConditionFalse, tenancyv1.ReasonProvisioningFailed, err.Error(), tenancyv1.PhaseFailed)
		r.Recorder.Eventf(&t, nil, corev1.EventTypeWarning, tenancyv1.ReasonProvisioningFailed, "Provision", err.Error())
		return ctrl.Result{}, err
	}

	typ := tenancy.TypeProvisioned
	if t.Spec.Suspended {
		typ = tenancy.TypeSuspended
	}
	if last := t.Status.LastEvent; last == nil || last.Type != typ || last.Generation != t.Generation {
		e, err := tenancy.Publish(ctx, r.Publisher, typ, r.announced(&t))
		if err != nil {
			r.Metrics.failed(t.Name, "PublishFailed")
			r.setReady(&t, metav1.ConditionFalse, "PublishFailed", err.Error(), tenancyv1.PhaseFailed)
			r.Recorder.Eventf(&t, nil, corev1.EventTypeWarning, "PublishFailed", "Publish", err.Error())
			return ctrl.Result{}, err
		}
		t.Status.LastEvent = &tenancyv1.PublishedEvent{Type: e.Type, ID: e.ID, Generation: t.Generation, Time: metav1.NewTime(e.Time)}
		r.Recorder.Eventf(&t, nil, corev1.EventTypeNormal, "Published", "Publish", "published %s", e.Type)
	}

	if t.Spec.Suspended {
		r.setReady(&t, metav1.ConditionFalse, tenancyv1.ReasonSuspended, "the tenant is suspended: services refuse its writes", tenancyv1.PhaseSuspended)
	} else {
		r.setReady(&t, metav1.ConditionTrue, tenancyv1.ReasonProvisioned, "databases, credentials and announcement in place", tenancyv1.PhaseReady)
	}
	return ctrl.Result{}, nil
}

func (r *DistrictTenantReconciler) setReady(t *tenancyv1.DistrictTenant, status metav1.ConditionStatus, reason, msg string, phase tenancyv1.Phase) {
	t.Status.Phase = phase
	meta.SetStatusCondition(&t.Status.Conditions, metav1.Condition{
		Type: tenancyv1.ConditionReady, Status: status, Reason: reason, Message: msg,
		ObservedGeneration: t.Generation,
	})
}

// checkProfile returns a Ready reason and message when the tenant cannot be provisioned.
func (r *DistrictTenantReconciler) checkProfile(ctx context.Context, t *tenancyv1.DistrictTenant) (reason, msg string) {
	var cp tenancyv1.CountryProfile
	if err := r.Get(ctx, client.ObjectKey{Name: t.Spec.Country}, &cp); err != nil {
		if apierrors.IsNotFound(err) {
			return tenancyv1.ReasonProfileNotFound, fmt.Sprintf("CountryProfile %q does not exist", t.Spec.Country)
		}
		return tenancyv1.ReasonProfileNotFound, fmt.Sprintf("CountryProfile %q: %v", t.Spec.Country, err)
	}
	if err := cp.Spec.Validate(); err != nil {
		return tenancyv1.ReasonProfileInvalid, fmt.Sprintf("CountryProfile %q is invalid: %v", cp.Name, err)
	}
	x := profile.NewIndex(&cp.Spec)
	u, ok := x.Unit(t.Spec.Code)
	if !ok {
		return tenancyv1.ReasonUnknownUnit, fmt.Sprintf("%q is not a unit of CountryProfile %q", t.Spec.Code, cp.Name)
	}
	if level := x.TenantLevel(); u.Level != level.Key {
		return tenancyv1.ReasonNotTenantLevel, fmt.Sprintf("%q is a %s, but tenants are %ss", t.Spec.Code, u.Level, level.Key)
	}
	if t.Spec.ParentUnit != "" && t.Spec.ParentUnit != u.Parent {
		return tenancyv1.ReasonUnknownUnit, fmt.Sprintf("the parent of %q is %q, not %q", t.Spec.Code, u.Parent, t.Spec.ParentUnit)
	}
	return "", ""
}

// announced is the tenant's configuration as its tenancy events carry it.
func (r *DistrictTenantReconciler) announced(t *tenancyv1.DistrictTenant) tenancy.Tenant {
	return tenancy.Tenant{
		Tenant: t.Spec.Code, Country: t.Spec.Country, ParentUnit: t.Spec.ParentUnit,
		Tier: string(tierOf(t)), Namespace: t.Status.Namespace, Databases: t.Status.Databases,
		CredentialsSecret: t.Status.SecretRef, Generation: t.Generation,
	}
}

func (r *DistrictTenantReconciler) provision(ctx context.Context, t *tenancyv1.DistrictTenant) error {
	names := r.Databases.Names(r.Config.Services, t.Spec.Code)
	if err := r.Databases.Ensure(ctx, t.Spec.Code, t.Spec.Country, names); err != nil {
		return err
	}
	t.Status.Databases = names
	if err := r.ensureSecret(ctx, t, names); err != nil {
		return err
	}
	t.Status.SecretRef = r.Config.Namespace + "/" + SecretName(t.Spec.Code)
	if tierOf(t) == tenancyv1.TierDedicated {
		if err := r.ensureNamespace(ctx, t); err != nil {
			return err
		}
		t.Status.Namespace = TenantNamespace(t.Spec.Code)
		return nil
	}
	if t.Status.Namespace != "" {
		if err := r.deleteNamespace(ctx, t.Status.Namespace); err != nil {
			return err
		}
		t.Status.Namespace = ""
	}
	return nil
}

// ensureSecret writes the tenant's database credentials. On FerretDB (dev, tests) there
// are no database users: the password is generated and kept for the day the databases
// move to a MongoDB with users, and L4L_MONGO_URI (the variable services read, so `envFrom` works) is the platform's own URI.
func (r *DistrictTenantReconciler) ensureSecret(ctx context.Context, t *tenancyv1.DistrictTenant, dbs []string) error {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: SecretName(t.Spec.Code), Namespace: r.Config.Namespace}}
	return r.writeSecret(ctx, t, s, dbs)
}

// writeSecret creates or updates one credentials Secret; an existing password is kept.
func (r *DistrictTenantReconciler) writeSecret(ctx context.Context, t *tenancyv1.DistrictTenant, s *corev1.Secret, dbs []string) error {
	_, err := controllerutil.CreateOrUpdate(ctx, r.Client, s, func() error {
		s.Labels = r.labels(t, s.Labels)
		if s.Data == nil {
			s.Data = map[string][]byte{}
		}
		if len(s.Data["password"]) == 0 {
			pw, err := password()
			if err != nil {
				return err
			}
			s.Data["password"] = pw
		}
		s.Type = corev1.SecretTypeOpaque
		s.Data["username"] = []byte(dbUser(t.Spec.Code))
		s.Data["L4L_MONGO_URI"] = []byte(r.Config.MongoURI)
		s.Data["databases"] = []byte(strings.Join(dbs, ","))
		s.Data["tenant"] = []byte(t.Spec.Code)
		return controllerutil.SetControllerReference(t, s, r.Scheme)
	})
	if err != nil {
		return fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	return nil
}

func password() ([]byte, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(base64.RawURLEncoding.EncodeToString(b)), nil
}

func (r *DistrictTenantReconciler) labels(t *tenancyv1.DistrictTenant, existing map[string]string) map[string]string {
	if existing == nil {
		existing = map[string]string{}
	}
	existing[ManagedByLabel] = ManagedBy
	existing[TenantLabel] = t.Spec.Code
	existing[CountryLabel] = t.Spec.Country
	return existing
}

// finalize announces the tenant's end, drops its databases when the policy says Delete,
// removes what the operator created, and lets the object go.
func (r *DistrictTenantReconciler) finalize(ctx context.Context, t *tenancyv1.DistrictTenant) error {
	if !controllerutil.ContainsFinalizer(t, Finalizer) {
		return nil
	}
	logger := log.FromContext(ctx)
	retained := t.Spec.DeletionPolicy != tenancyv1.DeletionDelete
	if !retained {
		if err := r.Databases.Drop(ctx, r.Databases.Names(r.Config.Services, t.Spec.Code)); err != nil {
			r.Metrics.failed(t.Name, tenancyv1.ReasonDeprovisioning)
			r.Recorder.Eventf(t, nil, corev1.EventTypeWarning, tenancyv1.ReasonDeprovisioning, "Delete", err.Error())
			return err
		}
	}
	if last := t.Status.LastEvent; last != nil && last.Type != tenancy.TypeDeprovisioned {
		a := r.announced(t)
		a.DataRetained = &retained
		if _, err := tenancy.Publish(ctx, r.Publisher, tenancy.TypeDeprovisioned, a); err != nil {
			r.Metrics.failed(t.Name, "PublishFailed")
			r.Recorder.Eventf(t, nil, corev1.EventTypeWarning, "PublishFailed", "Delete", err.Error())
			return err
		}
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: SecretName(t.Spec.Code), Namespace: r.Config.Namespace}}
	if err := client.IgnoreNotFound(r.Delete(ctx, s)); err != nil {
		return err
	}
	if err := r.deleteNamespace(ctx, TenantNamespace(t.Spec.Code)); err != nil {
		return err
	}
	controllerutil.RemoveFinalizer(t, Finalizer)
	if err := r.Update(ctx, t); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.Metrics.Forget(t.Name)
	logger.Info("tenant deprovisioned", "tenant", t.Spec.Code, "dataRetained", retained)
	return nil
}

func (r *DistrictTenantReconciler) deleteNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	return client.IgnoreNotFound(r.Delete(ctx, ns))
}

// SetupWithManager registers the controller: DistrictTenants, what they own, and their
// CountryProfile (a profile appearing or changing re-checks its country's tenants).
func (r *DistrictTenantReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &tenancyv1.DistrictTenant{}, countryField,
		func(o client.Object) []string { return []string{o.(*tenancyv1.DistrictTenant).Spec.Country} }); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&tenancyv1.DistrictTenant{}).
		Owns(&corev1.Namespace{}).
		Owns(&corev1.ResourceQuota{}).
		Owns(&corev1.LimitRange{}).
		Owns(&networkingv1.NetworkPolicy{}).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Watches(&tenancyv1.CountryProfile{}, handler.EnqueueRequestsFromMapFunc(r.tenantsOfProfile)).
		Named("districttenant").
		Complete(r)
}

func (r *DistrictTenantReconciler) tenantsOfProfile(ctx context.Context, o client.Object) []reconcile.Request {
	var list tenancyv1.DistrictTenantList
	if err := r.List(ctx, &list, client.MatchingFields{countryField: o.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "list tenants of profile", "profile", o.GetName())
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, t := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: t.Name}})
	}
	return out
}
