// Package v1alpha1 holds the tenant operator's API: CountryProfile and DistrictTenant,
// both cluster-scoped, in the group the shipped profile manifests name
// (profile.APIVersion), so `kubectl apply -f libs/profile/profiles/rwanda.yaml` works as is.
//
// +kubebuilder:object:generate=true
// +groupName=l4l.org
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of the tenant operator's API.
	GroupVersion = schema.GroupVersion{Group: "l4l.org", Version: "v1alpha1"}

	// SchemeBuilder registers the API's types with a scheme. It is apimachinery's, so the
	// API package stays importable without controller-runtime.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the API's types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&CountryProfile{}, &CountryProfileList{},
		&DistrictTenant{}, &DistrictTenantList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
