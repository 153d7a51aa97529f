package profile

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

// MaxSize is the largest profile Parse accepts. The biggest shipped profile
// is well under 100 KB; the cap keeps a hostile upload from costing much.
const MaxSize = 4 << 20

//go:embed profiles/*.yaml
var embedded embed.FS

// Load returns the embedded profile with the given name ("rw", "ke"), parsed
// and validated. Each call returns a fresh copy the caller may modify.
func Load(name string) (*Spec, error) {
	data, ok := embeddedProfiles()[name]
	if !ok {
		return nil, fmt.Errorf("profile: no embedded profile %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return Parse(data)
}

// Names returns the names of the embedded profiles, sorted.
func Names() []string {
	m := embeddedProfiles()
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// embeddedProfiles maps metadata.name to file contents, so adding a country
// is adding a file: nothing here lists them.
var embeddedProfiles = sync.OnceValue(func() map[string][]byte {
	m := map[string][]byte{}
	files, _ := fs.Glob(embedded, "profiles/*.yaml")
	for _, f := range files {
		data, err := embedded.ReadFile(f)
		if err != nil {
			continue
		}
		var head struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		name := strings.TrimSuffix(path.Base(f), ".yaml")
		if yaml.Unmarshal(data, &head) == nil && head.Metadata.Name != "" {
			name = head.Metadata.Name
		}
		m[name] = data
	}
	return m
})

// LoadFile reads, parses and validates a profile manifest from disk.
func LoadFile(filename string) (*Spec, error) {
	data, err := os.ReadFile(filename)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	spec, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", filename, err)
	}
	return spec, nil
}

// Parse decodes a CountryProfile manifest (YAML or JSON) strictly, validates
// it and returns its spec. Any problem with the content — syntax, unknown or
// mistyped fields, failed validation — comes back as a [*ValidationError].
func Parse(data []byte) (*Spec, error) {
	doc, err := ParseDocument(data)
	if err != nil {
		return nil, err
	}
	return &doc.Spec, nil
}

// ParseDocument is [Parse] for callers that need the manifest's metadata too.
//
// Decoding is stricter than sigs.k8s.io/yaml's UnmarshalStrict, matching what
// the Kubernetes API server does with a CRD schema: field names match
// exactly (encoding/json would accept "timezone" for "timeZone"), every
// unknown field is reported with its full path rather than only the first,
// and a string field must hold a YAML string — an unquoted `no` (a boolean in
// YAML 1.1) or `047` (an octal number) is rejected instead of being silently
// converted.
func ParseDocument(data []byte) (*Document, error) {
	if len(data) > MaxSize {
		return nil, single("", fmt.Sprintf("document is %d bytes, more than the %d allowed", len(data), MaxSize))
	}
	// YAMLToJSONStrict rejects duplicate keys; the generic value then lets us
	// check field names and types against the Go types with full paths.
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, single("", "not valid YAML: "+cleanYAMLError(err))
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, single("", "not valid YAML: "+err.Error())
	}
	if raw == nil {
		return nil, single("", "empty document")
	}
	var p problems
	checkShape(&p, "", raw, reflect.TypeFor[Document]())
	if err := p.err(); err != nil {
		return nil, err
	}
	var doc Document
	if err := json.Unmarshal(js, &doc); err != nil {
		// checkShape should have caught everything; this is the backstop
		// (e.g. an integer too large for int).
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, single(te.Field, fmt.Sprintf("cannot hold %s", te.Value))
		}
		return nil, single("", err.Error())
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return &doc, nil
}

func single(field, detail string) error {
	return &ValidationError{Errors: []FieldError{{Field: field, Detail: detail}}}
}

// cleanYAMLError drops the wrapping prefixes sigs.k8s.io/yaml adds, which
// mean nothing to someone editing a profile.
func cleanYAMLError(err error) string {
	s := err.Error()
	for _, p := range []string{"error converting YAML to JSON: ", "yaml: "} {
		s = strings.TrimPrefix(s, p)
	}
	// go-yaml lists several errors on indented lines; keep them on one.
	s = strings.TrimPrefix(s, "unmarshal errors:\n")
	return strings.Join(strings.Fields(s), " ")
}

// checkShape walks a decoded JSON value alongside the Go type it will be
// decoded into, reporting unknown fields (with a hint when only the case
// differs) and values of the wrong JSON type, each with its path.
func checkShape(p *problems, at string, v any, t reflect.Type) {
	if v == nil {
		return // null leaves the zero value, as encoding/json does
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			p.add(at, "must be a mapping, got %s", kindOf(v))
			return
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys) // deterministic error order
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				detail := "unknown field"
				for name := range fields {
					if strings.EqualFold(name, k) {
						detail = fmt.Sprintf("unknown field (did you mean %q?)", name)
					}
				}
				p.add(join(at, k), "%s", detail)
				continue
			}
			checkShape(p, join(at, k), m[k], f.Type)
		}
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			p.add(at, "must be a list, got %s", kindOf(v))
			return
		}
		for i, e := range l {
			checkShape(p, fmt.Sprintf("%s[%d]", at, i), e, t.Elem())
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			p.add(at, "must be a mapping, got %s", kindOf(v))
			return
		}
		for k, e := range m {
			checkShape(p, join(at, k), e, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			p.add(at, "must be a string, got %s (quote the value)", kindOf(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			p.add(at, "must be true or false, got %s", kindOf(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			p.add(at, "must be an integer, got %s", kindOf(v))
			return
		}
		if _, err := n.Int64(); err != nil {
			p.add(at, "must be an integer, got %s", n)
		}
	}
}

// jsonFields maps the JSON names of a struct's exported fields to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	m := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f
	}
	return m
}

func join(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

func kindOf(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case json.Number:
		return "the number " + x.String()
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%T", v)
	}
}
