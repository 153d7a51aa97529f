package controller

import (
	"context"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
)

// CountryProfileReconciler keeps a profile's status: whether it is valid, and its tenants.
type CountryProfileReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=l4l.org,resources=countryprofiles/status,verbs=get;update;patch

// Reconcile validates the profile with the same rules services apply when loading one
// (profile.Spec.Validate) and lists the country's tenants.
func (r *CountryProfileReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var cp tenancyv1.CountryProfile
	if err := r.Get(ctx, req.NamespacedName, &cp); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	orig := cp.DeepCopy()

	cond := metav1.Condition{Type: tenancyv1.ConditionValid, Status: metav1.ConditionTrue,
		Reason: "Valid", Message: "the profile passed validation", ObservedGeneration: cp.Generation}
	if err := cp.Spec.Validate(); err != nil {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "Invalid", err.Error()
	}
	meta.SetStatusCondition(&cp.Status.Conditions, cond)

	var list tenancyv1.DistrictTenantList
	if err := r.List(ctx, &list, client.MatchingFields{countryField: cp.Name}); err != nil {
		return ctrl.Result{}, err
	}
	tenants := make([]string, 0, len(list.Items))
	for _, t := range list.Items {
		if t.DeletionTimestamp.IsZero() {
			tenants = append(tenants, t.Name)
		}
	}
	slices.Sort(tenants)
	cp.Status.Tenants = tenants
	cp.Status.ObservedGeneration = cp.Generation

	if equality.Semantic.DeepEqual(orig.Status, cp.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.Status().Patch(ctx, &cp, client.MergeFrom(orig))
}

// SetupWithManager registers the controller; a tenant's creation or deletion updates its
// country's list. It relies on the spec.country index the DistrictTenant controller adds.
func (r *CountryProfileReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&tenancyv1.CountryProfile{}).
		Watches(&tenancyv1.DistrictTenant{}, handler.EnqueueRequestsFromMapFunc(
			func(_ context.Context, o client.Object) []reconcile.Request {
				return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: o.(*tenancyv1.DistrictTenant).Spec.Country}}}
			})).
		Named("countryprofile").
		Complete(r)
}
