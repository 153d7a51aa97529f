package profile

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// minimal is the smallest useful profile: one level, one unit, one role.
// Accreditation and caseloads are optional and left out.
const minimal = `apiVersion: l4l.org/v1alpha1
kind: CountryProfile
metadata:
  name: zz
  labels: {app.kubernetes.io/part-of: l4l}
spec:
  country: zz
  name: Testland
  locale: en-ZZ
  timeZone: UTC
  geography:
    levels: [{key: district, name: District}]
    tenantLevel: district
    schoolLevel: district
    units: [{code: zz-one, name: One, level: district}]
  roles: [{key: ht, name: Head Teacher, scope: school}]
  competencies:
    name: Standards
    areas: [{key: teaching, name: Teaching, indicators: [{key: feedback, name: Gives feedback}]}]
    levels: [{level: 1, name: Low}, {level: 2, name: High}]
    meetsStandardLevel: 2
  plcs: [{key: plc, name: PLC, level: district, frequency: monthly, ledBy: ht, members: [ht]}]
  calendar:
    schoolYears: [{name: "2027", terms: [{name: T1, start: 2027-01-04, end: 2027-03-26}]}]
  recruitment:
    roles: [ht]
    panel: {name: Panel, level: district, chair: ht, minMembers: 1}
    eligibility: []
    criteria: [{key: coaching, name: Coaching, weight: 100, levels: [{level: 1, descriptor: a}, {level: 2, descriptor: b}]}]
    conflicts: [{key: same_school, description: Own school, sameUnit: school}]
    reserveListSize: 0
`

// problemsOf parses and returns the reported problems, failing if parsing
// succeeds or returns anything but a *ValidationError.
func problemsOf(t *testing.T, doc string) []FieldError {
	t.Helper()
	_, err := Parse([]byte(doc))
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	return fieldErrors(t, err)
}

func hasProblem(errs []FieldError, field, detail string) bool {
	for _, fe := range errs {
		if fe.Field == field && strings.Contains(fe.Detail, detail) {
			return true
		}
	}
	return false
}

func TestParseMinimal(t *testing.T) {
	s, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	// Unquoted YAML dates arrive as the strings written.
	if got := s.Calendar.SchoolYears[0].Terms[0].Start; got != "2027-01-04" {
		t.Errorf("term start = %q", got)
	}
	if s.Accreditation != nil {
		t.Error("accreditation should be absent")
	}
	doc, err := ParseDocument([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Metadata.Labels["app.kubernetes.io/part-of"] != "l4l" {
		t.Errorf("labels = %v", doc.Metadata.Labels)
	}
}

func TestParseStrict(t *testing.T) {
	tests := []struct {
		name, from, to string // replace from with to in minimal
		field, detail  string
	}{
		{"unknown top-level field", "  country: zz\n", "  country: zz\n  flag: green\n", "spec.flag", "unknown field"},
		{"unknown nested field", "{code: zz-one, name: One, level: district}", "{code: zz-one, name: One, level: district, parnet: zz-x}", "spec.geography.units[0].parnet", "unknown field"},
		{"wrong case", "  timeZone: UTC\n", "  timezone: UTC\n", "spec.timezone", `did you mean "timeZone"`},
		{"unknown metadata field", "  name: zz\n  labels", "  name: zz\n  namespace: default\n  labels", "metadata.namespace", "unknown field"},
		{"YAML boolean in a string field", "country: zz", "country: no", "spec.country", "must be a string, got the boolean false"},
		{"number in a string field", "name: Testland", "name: 047", "spec.name", "must be a string"},
		{"string in an int field", "meetsStandardLevel: 2", "meetsStandardLevel: two", "spec.competencies.meetsStandardLevel", "must be an integer"},
		{"float in an int field", "weight: 100", "weight: 99.5", "spec.recruitment.criteria[0].weight", "must be an integer"},
		{"string in a bool field", "minMembers: 1}", "minMembers: 1, siteVisit: yes please}", "spec.recruitment.panel.siteVisit", "true or false"},
		{"scalar for a list", "roles: [ht]", "roles: ht", "spec.recruitment.roles", "must be a list"},
		{"list for a mapping", "panel: {name: Panel, level: district, chair: ht, minMembers: 1}", "panel: [ht]", "spec.recruitment.panel", "must be a mapping"},
		{"non-string label", "app.kubernetes.io/part-of: l4l", "app.kubernetes.io/part-of: 1", "metadata.labels.app.kubernetes.io/part-of", "must be a string"},
		{"integer overflow", "reserveListSize: 0", "reserveListSize: 99999999999999999999", "spec.recruitment.reserveListSize", "integer"},
		{"duplicate key", "  name: Testland\n", "  name: Testland\n  name: Other\n", "", "already set"},
		{"not YAML", "kind: CountryProfile", "kind: [CountryProfile", "", "not valid YAML"},
		{"wrong kind", "kind: CountryProfile", "kind: Profile", "kind", `must be "CountryProfile"`},
		{"wrong apiVersion", "l4l.org/v1alpha1", "l4l.org/v2", "apiVersion", "must be"},
		{"name differs from country", "  name: zz\n  labels", "  name: yy\n  labels", "metadata.name", "must equal spec.country"},
		{"validation after decoding", "chair: ht", "chair: mayor", "spec.recruitment.panel.chair", `unknown role "mayor"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimal, tt.from) {
				t.Fatalf("fixture has no %q", tt.from)
			}
			errs := problemsOf(t, strings.Replace(minimal, tt.from, tt.to, 1))
			if !hasProblem(errs, tt.field, tt.detail) {
				t.Errorf("want %q: …%s…; got %v", tt.field, tt.detail, errs)
			}
		})
	}
}

func TestParseReportsAllUnknownFields(t *testing.T) {
	doc := strings.Replace(minimal, "  country: zz\n", "  country: zz\n  colour: red\n  flag: green\n", 1)
	errs := problemsOf(t, doc)
	if len(errs) != 2 || errs[0].Field != "spec.colour" || errs[1].Field != "spec.flag" {
		t.Errorf("got %v", errs)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, doc := range []string{"", "   \n", "# only a comment\n", "null"} {
		if errs := problemsOf(t, doc); !hasProblem(errs, "", "empty") {
			t.Errorf("%q: %v", doc, errs)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	big := minimal + "# " + strings.Repeat("x", MaxSize) + "\n"
	if errs := problemsOf(t, big); !hasProblem(errs, "", "more than") {
		t.Errorf("got %v", errs)
	}
}

// The operator will receive profiles as JSON from the API server, and
// tooling may re-emit them as YAML: both must come back unchanged.
func TestRoundTrip(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			data, _ := embedded.ReadFile(embeddedFile(t, name))
			doc, err := ParseDocument(data)
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := ParseDocument(js)
			if err != nil {
				t.Fatalf("JSON: %v", err)
			}
			if !reflect.DeepEqual(doc, fromJSON) {
				t.Error("JSON round trip changed the document")
			}
			y, err := yaml.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			fromYAML, err := ParseDocument(y)
			if err != nil {
				t.Fatalf("YAML: %v", err)
			}
			if !reflect.DeepEqual(doc, fromYAML) {
				t.Error("YAML round trip changed the document")
			}
		})
	}
}

func embeddedFile(t *testing.T, name string) string {
	t.Helper()
	files := map[string]string{"rw": "profiles/rwanda.yaml", "ke": "profiles/kenya.yaml"}
	f, ok := files[name]
	if !ok {
		t.Fatalf("no file for %q", name)
	}
	return f
}

// Optional fields are omitted when empty so that a profile read back from
// the API server looks like the file it came from.
func TestOptionalFieldsOmitted(t *testing.T) {
	s, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"accreditation", "caseloads", "programme", "languages", "holidays", "parent", "quota", "hostRotation", "ref"} {
		if strings.Contains(string(js), `"`+field+`"`) {
			t.Errorf("empty %s is serialized: %s", field, js)
		}
	}
}
