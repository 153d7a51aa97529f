package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Row is one line of the platform's benchmark table: a figure, the ceiling it is measured
// against in the same run, their ratio, and the target the issue set.
type Row struct {
	Area    string  `json:"area"`
	Measure string  `json:"measure"`
	Figure  float64 `json:"figure"`
	Unit    string  `json:"unit"`
	// Ceiling is what the same work costs with nothing of ours in the way (a bare gin
	// handler, a raw driver call, raw kafka-go); 0 when the target is absolute.
	Ceiling     float64 `json:"ceiling,omitempty"`
	CeilingUnit string  `json:"ceiling_unit,omitempty"`
	CeilingName string  `json:"ceiling_name,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
	Target      string  `json:"target"`
	Issue       int     `json:"issue,omitempty"`
	Met         *bool   `json:"met,omitempty"`
	Baseline    float64 `json:"baseline,omitempty"` // the committed baseline's ratio (or figure)
	Error       string  `json:"error,omitempty"`
}

// goBench is a row measured by a Go benchmark: `go test -bench` of one package, whose
// benchmarks report the figure and the ceiling as custom metrics (b.ReportMetric).
type goBench struct {
	area, measure string
	issue         int
	pkg           string
	bench         string // -bench pattern
	benchtime     string
	args          []string
	// figure and ceiling name a benchmark (without "Benchmark") and a metric unit.
	figure, ceiling metric
	ceilingName     string
	// ratio, when set, is a metric the benchmark computes itself (the ceiling measured
	// before and after, for instance); otherwise figure ÷ ceiling.
	ratio *metric
	// scale and unit, when set, show the figure in another unit (ns/op → s).
	scale  float64
	unit   string
	target string
	// met decides the target from the figure and the ratio.
	met func(figure, ratio float64) bool
}

type metric struct{ bench, unit string }

// results maps "Name unit" to the value of every benchmark line of a run.
type results map[string]float64

func (r results) get(m metric) (float64, bool) {
	v, ok := r[m.bench+" "+m.unit]
	return v, ok
}

// runGoBench runs the package's benchmarks (tests skipped) and reads their metrics.
func runGoBench(ctx context.Context, b goBench, progress io.Writer) (results, error) {
	// The package comes before the benchmark's own flags (-plc.schools=...): go test
	// stops reading packages at the first flag it does not know.
	args := append([]string{"test", b.pkg, "-run", "^$", "-bench", b.bench, "-benchtime", b.benchtime}, b.args...)
	fmt.Fprintf(progress, "  running go %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %s", err, lastLines(out.String(), 15))
	}
	return parseBench(out.Bytes()), nil
}

// parseBench reads `BenchmarkName-2  N  v1 unit1  v2 unit2 ...` lines.
func parseBench(out []byte) results {
	r := results{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				r[name+" "+f[i+1]] = v
			}
		}
	}
	return r
}

func (b goBench) row(res results, err error) Row {
	row := Row{Area: b.area, Measure: b.measure, Issue: b.issue, Target: b.target, Unit: b.figure.unit, CeilingName: b.ceilingName}
	if err != nil {
		row.Error = err.Error()
		return row
	}
	fig, ok := res.get(b.figure)
	if !ok {
		row.Error = fmt.Sprintf("the benchmark reported no %q metric of %s", b.figure.unit, b.figure.bench)
		return row
	}
	row.Figure = fig
	if b.scale != 0 {
		row.Figure, row.Unit = fig*b.scale, b.unit
	}
	if b.ceiling.bench != "" {
		c, ok := res.get(b.ceiling)
		if !ok {
			row.Error = fmt.Sprintf("the benchmark reported no %q metric of %s", b.ceiling.unit, b.ceiling.bench)
			return row
		}
		row.Ceiling, row.CeilingUnit = c, b.ceiling.unit
		if c != 0 {
			row.Ratio = fig / c
		}
	}
	if b.ratio != nil {
		if v, ok := res.get(*b.ratio); ok {
			row.Ratio = v
		}
	}
	if b.met != nil {
		m := b.met(row.Figure, row.Ratio)
		row.Met = &m
	}
	return row
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// printTable writes the table for people.
func printTable(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AREA\tMEASURE\tFIGURE\tCEILING (same run)\tRATIO\tTARGET\tMET\tBASELINE")
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\tERROR\t\t\t%s\t-\t\n", r.Area, r.Measure, target(r))
			continue
		}
		ceiling, ratio := "-", "-"
		if r.CeilingUnit != "" {
			ceiling = fmt.Sprintf("%s %s (%s)", num(r.Ceiling), r.CeilingUnit, r.CeilingName)
		}
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.3f", r.Ratio)
		}
		met := "-"
		if r.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*r.Met]
		}
		base := ""
		if r.Baseline != 0 {
			base = fmt.Sprintf("%.3f", r.Baseline)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", r.Area, r.Measure, num(r.Figure), r.Unit, ceiling, ratio, target(r), met, base)
	}
	_ = tw.Flush()
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(w, "\n%s / %s failed:\n%s\n", r.Area, r.Measure, r.Error)
		}
	}
}

func target(r Row) string {
	if r.Issue == 0 {
		return r.Target
	}
	return fmt.Sprintf("%s (#%d)", r.Target, r.Issue)
}

func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// baselineKey identifies a row across runs.
func baselineKey(r Row) string { return r.Area + " / " + r.Measure }

// compareWithBaseline fills each row's Baseline from the committed file: the ratio where
// the row has one, else the figure.
func compareWithBaseline(rows []Row, path string) error {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var base []Row
	if err := json.Unmarshal(b, &base); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	byKey := map[string]Row{}
	for _, r := range base {
		byKey[baselineKey(r)] = r
	}
	for i, r := range rows {
		if old, ok := byKey[baselineKey(r)]; ok {
			if old.Ratio != 0 {
				rows[i].Baseline = old.Ratio
			} else {
				rows[i].Baseline = old.Figure
			}
		}
	}
	return nil
}
