// Package profile defines the country profile: everything that differs between
// the countries l4l serves (geography, roles and quotas, the competency
// framework, PLC cadence, school calendar, recruitment rules, caseload limits,
// the accreditation programme, locale and time zone), so that a new country is
// a YAML file rather than a code change.
//
// [Spec] is the single Go type for a profile. The tenant operator's
// CountryProfile CRD embeds it as its spec, dev mode and tests load it from
// YAML, and the services read it through an [Index]. For that reason Spec and
// everything under it is plain data: strings, ints, bools, slices, nested
// structs, no interfaces, no time.Time (dates are "2006-01-02" strings that
// [Spec.Validate] checks), no floats (weights are integer percentages), and no
// unexported state — controller-gen can then generate deep-copy functions and
// a CRD schema from these types.
//
// Each shipped profile (profiles/*.yaml) is a complete Kubernetes manifest
// ([Document]) that `kubectl apply` accepts as is once the CRD is installed.
// [Load] returns an embedded one by name; [Parse] and [LoadFile] read others.
// Decoding is strict: unknown fields, wrongly typed values and duplicate keys
// are errors that name the field, because a misspelt key in a profile would
// otherwise silently fall back to a zero value and change programme rules.
//
// All validation problems are reported together as a [*ValidationError] whose
// [FieldError] entries carry field paths such as
// "geography.units[12].parent", so an HTTP handler can return them as the
// field-level errors of a problem document.
//
// zz_generated.deepcopy.go holds the DeepCopy functions the operator's CRD
// types need; regenerate it with `go generate` after changing a type.
//
// +kubebuilder:object:generate=true
package profile

//go:generate go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0 object paths=.
