package delivery

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []struct {
		Alert       string            `json:"alert,omitempty"`
		Record      string            `json:"record,omitempty"`
		Expr        string            `json:"expr"`
		Annotations map[string]string `json:"annotations,omitempty"`
	} `json:"rules"`
}

// renderedRules writes the chart's PrometheusRule (as the production rendering produces it)
// as a Prometheus rule file and returns its path and groups.
func renderedRules(t *testing.T) (string, []ruleGroup) {
	t.Helper()
	rules := ofKind(render(t, renderings[1]), "PrometheusRule")
	if len(rules) != 1 {
		t.Fatalf("%d PrometheusRules rendered, want 1", len(rules))
	}
	spec, _, _ := unstructured.NestedMap(rules[0].Object, "spec")
	b, err := yaml.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []ruleGroup `json:"groups"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, file.Groups
}

// promtool parses every alert (check rules) and runs the alert unit tests: each alert fires
// in one case and stays quiet in a neighbouring one (testdata/rules_test.yaml).
func TestAlerts(t *testing.T) {
	path, groups := renderedRules(t)
	mustRun(t, promtool(t), "check", "rules", path)
	testFile, err := os.ReadFile(filepath.Join(repo, "test/delivery/testdata/rules_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	copyTo := filepath.Join(filepath.Dir(path), "rules_test.yaml")
	if err := os.WriteFile(copyTo, testFile, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, promtool(t), "test", "rules", copyTo)

	// Every alert has a test case where it fires and one where it does not.
	var tests struct {
		Tests []struct {
			AlertRuleTests []struct {
				Alertname string `json:"alertname"`
				ExpAlerts []any  `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	if err := yaml.Unmarshal(testFile, &tests); err != nil {
		t.Fatal(err)
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTests {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	runbooks, err := os.ReadFile(filepath.Join(repo, "docs/runbooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	headings := regexp.MustCompile(`(?m)^## (L4L\w+)\s*$`).FindAllStringSubmatch(string(runbooks), -1)
	var documented []string
	for _, h := range headings {
		documented = append(documented, h[1])
	}
	var alerts []string
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts = append(alerts, r.Alert)
			if !fires[r.Alert] || !quiet[r.Alert] {
				t.Errorf("%s: rules_test.yaml must have a case where it fires (%v) and one where it does not (%v)", r.Alert, fires[r.Alert], quiet[r.Alert])
			}
			if !slices.Contains(documented, r.Alert) {
				t.Errorf("%s: no section \"## %s\" in docs/runbooks.md", r.Alert, r.Alert)
			}
			if want := "#" + strings.ToLower(r.Alert); !strings.HasSuffix(r.Annotations["runbook_url"], want) {
				t.Errorf("%s: runbook_url %q does not end with %s", r.Alert, r.Annotations["runbook_url"], want)
			}
			for _, a := range []string{"summary", "description"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s", r.Alert, a)
				}
			}
		}
	}
	for _, d := range documented {
		if !slices.Contains(alerts, d) {
			t.Errorf("docs/runbooks.md documents %s, which is not an alert", d)
		}
	}
	t.Logf("%d alerts, each tested and documented", len(alerts))
}

// dashboardExprs returns every PromQL expression of every dashboard (panels and variables).
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repo, "charts/l4l/dashboards/*.json"))
	exprs := map[string]string{}
	labelValues := regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UID    string `json:"uid"`
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
			Templating struct {
				List []struct {
					Name  string `json:"name"`
					Query any    `json:"query"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d.UID == "" || len(d.Panels) == 0 {
			t.Errorf("%s: no uid or no panels", f)
		}
		for _, p := range d.Panels {
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", f, p.Title)
			}
			for i, target := range p.Targets {
				exprs[filepath.Base(f)+": "+p.Title+" #"+itoa(i)] = target.Expr
			}
		}
		for _, v := range d.Templating.List {
			if q, ok := v.Query.(map[string]any); ok {
				if m := labelValues.FindStringSubmatch(q["query"].(string)); m != nil {
					exprs[filepath.Base(f)+": variable "+v.Name] = m[1]
				}
			}
		}
	}
	return exprs
}

// Grafana's variables, replaced by values of the right shape so the queries parse.
var grafanaVars = strings.NewReplacer(`"$job"`, `"plc"`, `"$country"`, `"rw"`, `"$tenant"`, `"rw-gasabo"`)

// promtool parses every dashboard query (as recording rules: check rules parses each expr).
func TestDashboardQueriesParse(t *testing.T) {
	exprs := dashboardExprs(t)
	var group ruleGroup
	group.Name = "dashboards"
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type rule struct {
		Record string `json:"record"`
		Expr   string `json:"expr"`
	}
	var rules []rule
	for i, k := range keys {
		rules = append(rules, rule{Record: "dashboard:query_" + itoa(i), Expr: grafanaVars.Replace(exprs[k])})
	}
	b, _ := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboards", "rules": rules}}})
	path := filepath.Join(t.TempDir(), "dashboards.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := run(promtool(t), "check", "rules", path); err != nil {
		t.Fatalf("a dashboard query does not parse: %v\n%s%s", err, stderr, out)
	}
	t.Logf("%d dashboard queries parse", len(rules))
}

// Every metric an alert or a dashboard names is one the code exports: a renamed metric
// would otherwise leave an alert that can never fire.
func TestQueriedMetricsExist(t *testing.T) {
	exported := exportedMetrics(t)
	_, groups := renderedRules(t)
	exprs := dashboardExprs(t)
	for _, g := range groups {
		for _, r := range g.Rules {
			exprs["alert "+r.Alert] = r.Expr
		}
	}
	used := 0
	for where, e := range exprs {
		for _, m := range metricNames(e) {
			used++
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
			if !exported[m] && !exported[base] {
				t.Errorf("%s: metric %s is not exported by any service, the operator or Prometheus", where, m)
			}
		}
	}
	t.Logf("%d metric references checked against %d exported names", used, len(exported))
}

// exportedMetrics: the names registered in the Go code (libs, services, operators), those
// Prometheus and client_golang's process collector add, and the KPI gauges' prefix.
func exportedMetrics(t *testing.T) map[string]bool {
	// libs/web registers the Go and process collectors in every service.
	names := map[string]bool{"up": true, "process_resident_memory_bytes": true, "process_cpu_seconds_total": true, "process_start_time_seconds": true}
	re := regexp.MustCompile(`(?:Name:\s*|NewDesc\()"([a-z_:][a-z0-9_:]*)"`)
	for _, root := range []string{"libs", "services", "operators"} {
		_ = filepath.WalkDir(filepath.Join(repo, root), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				names[m[1]] = true
			}
			return nil
		})
	}
	if !names["http_requests_total"] || !names["l4l_consumer_lag_messages"] {
		t.Fatalf("the metric scan found too little: %d names", len(names))
	}
	return names
}

var (
	quoted     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	matchers   = regexp.MustCompile(`\{[^}]*\}`)
	grouping   = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ranges     = regexp.MustCompile(`\[[^\]]*\]`)
	identifier = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	keywords   = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}
)

// metricNames lists the metric names a PromQL expression selects (identifiers that are not
// functions, keywords, label names or grouping labels). Selectors by a __name__ pattern
// (the KPI dashboard's l4l_kpi_.+) name no single metric and are not listed.
func metricNames(expr string) []string {
	e := quoted.ReplaceAllString(expr, `""`)
	e = matchers.ReplaceAllString(e, " ")
	e = grouping.ReplaceAllString(e, " ")
	e = ranges.ReplaceAllString(e, " ")
	var out []string
	for _, m := range identifier.FindAllString(e, -1) {
		if strings.HasSuffix(m, "(") || keywords[strings.ToLower(m)] {
			continue
		}
		out = append(out, m)
	}
	return out
}
