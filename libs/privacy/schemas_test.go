package privacy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Field names that hold personal data: names and contact details, always; free text
// (notes, comments, reflections...) unless the schema pins the value to a list of
// facts (enum or const, e.g. an exit reason of "retired").
var (
	personalField = regexp.MustCompile(`(?i)^(name|.*_name|names|email|e_?mail_address|phone|phone_number|telephone|mobile|address|postal_address|date_of_birth|birth_?date|dob|national_id|nid|passport.*|gender_identity)$`)
	freeTextField = regexp.MustCompile(`(?i)^(notes?|comments?|text|description|summary|reflections?|feedback|justification|reason|title|evidence|message|body)$`)
)

// TestEventSchemasCarryNoPersonalData walks every event schema of every service and of
// libs/tenancy: events are ids and facts (DESIGN §3), because a published event cannot
// be erased from every consumer's copy.
func TestEventSchemasCarryNoPersonalData(t *testing.T) {
	files, err := filepath.Glob("../../services/*/api/events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	tenancy, _ := filepath.Glob("../tenancy/api/events/*.json")
	files = append(files, tenancy...)
	// Every service publishes: a glob that found nothing would make this test vacuous.
	if len(files) < 40 || len(tenancy) == 0 {
		t.Fatalf("found only %d event schemas (%d of tenancy): is the test run from libs/privacy?", len(files), len(tenancy))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var schema any
		if err := json.Unmarshal(raw, &schema); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, bad := range personalFields(schema, "") {
			t.Errorf("%s: field %s looks like personal data (events carry ids and facts only)", filepath.Base(f), bad)
		}
	}
}

// personalFields lists the properties, at any depth, named like personal data.
func personalFields(node any, at string) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		if props, ok := n["properties"].(map[string]any); ok {
			for name, sub := range props {
				path := strings.TrimPrefix(at+"."+name, ".")
				s, _ := sub.(map[string]any)
				_, pinned := s["enum"]
				if _, c := s["const"]; c {
					pinned = true
				}
				if personalField.MatchString(name) || (freeTextField.MatchString(name) && !pinned) {
					out = append(out, path)
				}
				out = append(out, personalFields(sub, path)...)
			}
		}
		for key, sub := range n {
			if key != "properties" {
				out = append(out, personalFields(sub, at)...)
			}
		}
	case []any:
		for _, sub := range n {
			out = append(out, personalFields(sub, at)...)
		}
	}
	return out
}

// The check itself: it finds what it must, and lets facts through.
func TestPersonalFieldsFindsNamesAndFreeText(t *testing.T) {
	schema := map[string]any{"properties": map[string]any{"data": map[string]any{"properties": map[string]any{
		"person_id":  map[string]any{"type": "string"},
		"given_name": map[string]any{"type": "string"},
		"reason":     map[string]any{"enum": []any{"retired", "resigned"}},
		"items": map[string]any{"type": "array", "items": map[string]any{"properties": map[string]any{
			"notes": map[string]any{"type": "string"}, "level": map[string]any{"type": "integer"}}}},
		"feedback": map[string]any{"type": "string"},
	}}}}
	got := strings.Join(sortStrings(personalFields(schema, "")), " ")
	if got != "data.feedback data.given_name data.items.notes" {
		t.Fatalf("found %q", got)
	}
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}
