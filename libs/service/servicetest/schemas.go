package servicetest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateEvent checks a published CloudEvent (its JSON) against the JSON Schema of its
// type, the file <schemasDir>/<type>.json.
func ValidateEvent(t testing.TB, schemasDir string, event []byte) {
	t.Helper()
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(event, &head); err != nil || head.Type == "" {
		t.Fatalf("not a CloudEvent: %s", event)
	}
	path, err := filepath.Abs(filepath.Join(schemasDir, head.Type+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("event type %s has no schema: %v", head.Type, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("schema %s: %v", path, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("event does not match %s: %v\n%s", filepath.Base(path), err, event)
	}
}
