package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/l4l-platform/l4l/libs/profile"
)

// ConditionValid is the CountryProfile condition saying whether the profile passed
// profile.Spec.Validate (the rules the schema cannot express: references between roles,
// levels and units, dates, weights summing to 100).
const ConditionValid = "Valid"

// CountryProfileStatus is what the operator observed of a profile.
type CountryProfileStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Tenants lists the codes of the DistrictTenants of this country, sorted.
	// +optional
	// +listType=set
	Tenants []string `json:"tenants,omitempty"`
	// Conditions carry Valid.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// CountryProfile is one country's configuration (geography, roles, calendar, rules). Its
// spec is the foundation's profile.Spec, the one Go type services read profiles into.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=cp
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Country",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="Valid",type=string,JSONPath=`.status.conditions[?(@.type=="Valid")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == self.spec.country",message="metadata.name must equal spec.country"
// +kubebuilder:validation:XValidation:rule="self.spec.country == oldSelf.spec.country",message="spec.country is immutable"
type CountryProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   profile.Spec         `json:"spec"`
	Status CountryProfileStatus `json:"status,omitempty"`
}

// CountryProfileList is a list of CountryProfiles.
//
// +kubebuilder:object:root=true
type CountryProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CountryProfile `json:"items"`
}
