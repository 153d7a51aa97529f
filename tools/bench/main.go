// Command bench measures the platform against its ceilings, in one run on one machine, and
// prints each figure beside its ceiling as a ratio (`make bench`). Ceilings: a bare gin
// JSON handler (HTTP), a raw driver call on the same embedded database (MongoDB), raw
// kafka-go (Kafka). Absolute numbers vary with the machine; the ratios are what to watch.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/directory"
)

var (
	duration     = flag.Duration("duration", 5*time.Second, "how long each load runs")
	concurrency  = flag.Int("concurrency", 16, "concurrent clients")
	importRows   = flag.Int("import-rows", 30000, "schools in the import benchmark")
	cpuProfile   = flag.String("cpuprofile", "", "write a CPU profile of the import benchmark to this file")
	asJSON       = flag.Bool("json", false, "print the rows as JSON instead of a table")
	only         = flag.String("only", "", "run only the rows whose area contains this (directory, events, recruitment, plc, coaching, accreditation, analytics)")
	quick        = flag.Bool("quick", false, "smaller sizes, for a quick look (figures are not comparable with the baseline)")
	baselinePath = flag.String("baseline", "bench/baseline.json", "the committed baseline each ratio is shown beside")
	saveBaseline = flag.Bool("save-baseline", false, "write this run's rows to the baseline file")
	plcSchools   = flag.Int("plc-schools", 150_000, "schools in the PLC country benchmark (India: 1500000)")
	events       = flag.Int("analytics-events", 1_000_000, "events in the analytics rebuild benchmark")
)

const tenant = "rw-gasabo"

func main() {
	flag.Parse()
	if *quick {
		*duration, *importRows = 2*time.Second, 3000
		if *plcSchools == 150_000 {
			*plcSchools = 15_000
		}
		if *events == 1_000_000 {
			*events = 100_000
		}
	}
	ctx := context.Background()
	var rows []Row
	if strings.Contains("directory", *only) {
		fmt.Fprintln(os.Stderr, "directory: reads and CSV import on the dev stack")
		dir, err := directoryRows()
		if err != nil {
			rows = append(rows, Row{Area: "directory", Measure: "reads and import", Error: err.Error()})
		}
		rows = append(rows, dir...)
	}
	// Rows measured by the same benchmark run share it.
	type run struct {
		res results
		err error
	}
	runs := map[string]run{}
	for _, b := range goBenches(*quick, *plcSchools, *events) {
		if !strings.Contains(b.area, *only) {
			continue
		}
		key := strings.Join(append([]string{b.pkg, b.bench, b.benchtime}, b.args...), " ")
		r, ok := runs[key]
		if !ok {
			r.res, r.err = runGoBench(ctx, b, os.Stderr)
			runs[key] = r
		}
		rows = append(rows, b.row(r.res, r.err))
	}
	if err := compareWithBaseline(rows, *baselinePath); err != nil {
		fmt.Fprintln(os.Stderr, "bench: baseline:", err)
	}
	if *saveBaseline {
		b, _ := json.MarshalIndent(rows, "", "  ")
		if err := os.WriteFile(*baselinePath, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if *asJSON {
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Println(string(b))
	} else {
		fmt.Printf("\nl4l benchmarks: each figure beside its ceiling from the same run (GOMAXPROCS=%d, %d clients, %s per load)\n\n", runtimeProcs(), *concurrency, *duration)
		printTable(os.Stdout, rows)
	}
	for _, r := range rows {
		if r.Error != "" {
			os.Exit(1)
		}
	}
}

// directoryRows measures the directory's reads and CSV import on a fresh dev stack.
func directoryRows() ([]Row, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "l4l-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	stack, err := devstack.Start(ctx, devstack.Options{Dir: dir})
	if err != nil {
		return nil, err
	}
	defer stack.Close()

	is := devissuer.New(devissuer.DefaultIssuer)
	jwksURL, err := is.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg, _ := config.FromEnv(directory.Name)
	cfg.HTTPAddr, cfg.MongoURI, cfg.KafkaBrokers = "127.0.0.1:0", stack.MongoURI, stack.KafkaBrokers
	cfg.OIDCIssuer, cfg.OIDCJWKSURL = devissuer.DefaultIssuer, jwksURL
	cfg.Tenants = []string{tenant} // served without a tenancy event
	svc, err := service.Start(ctx, directory.Definition, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		return nil, err
	}
	tok, err := is.Token("bench", []string{"deo"}, "rw", tenant, "", time.Hour)
	if err != nil {
		return nil, err
	}
	api := client{base: svc.URL + "/v1/tenants/" + tenant, token: tok}

	// The reads run against a district-sized table (Rwanda: ~110 schools a district; we
	// take 1,000), once the outbox relay has published its events and is idle.
	if status, body, err := api.do("POST", "/imports/schools", "text/csv", schoolsCSV("READ", 1000)); err != nil || status != 200 {
		return nil, fmt.Errorf("seed: %d %s %v", status, body, err)
	}
	if err := waitOutboxEmpty(ctx, stack.MongoURI); err != nil {
		return nil, err
	}

	var page struct {
		Items []struct{ ID string } `json:"items"`
	}
	_, body, err := api.do("GET", "/schools?limit=50", "", nil)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Items) == 0 {
		return nil, fmt.Errorf("list: %s %v", body, err)
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}

	bare, err := bareGin(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := mongox.Connect(stack.MongoURI)
	if err != nil {
		return nil, err
	}
	defer cl.Disconnect(context.Background())
	coll := cl.Database(mongox.DBName(directory.Name, tenant)).Collection("schools")

	results := []result{
		load("ceiling: bare gin JSON handler", func(i int) error { return get(bare, "") }),
		load("ceiling: raw driver FindOne by _id", func(i int) error {
			return coll.FindOne(ctx, bson.D{{Key: "_id", Value: ids[i%len(ids)]}}).Err()
		}),
		load("directory GET /schools/{id}", func(i int) error { return get(api.base+"/schools/"+ids[i%len(ids)], tok) }),
		load("directory GET /schools?limit=50", func(i int) error { return get(api.base+"/schools?limit=50", tok) }),
	}
	// The import last: its outbox keeps the relay (and the one dev-mode connection) busy.
	csv := schoolsCSV("BENCH", *importRows)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	status, body, err := api.do("POST", "/imports/schools", "text/csv", csv)
	importTime := time.Since(start)
	pprof.StopCPUProfile()
	if err != nil || status != 200 {
		return nil, fmt.Errorf("import: %d %s %v", status, body, err)
	}
	rawInsert, err := rawInsertMany(ctx, stack.MongoURI, *importRows)
	if err != nil {
		return nil, err
	}
	byID, list := results[2].rps/results[1].rps, results[3].rps/results[1].rps
	ok := byID >= 0.7
	importOK := importTime < 10*time.Second
	return []Row{
		{Area: "directory", Measure: "GET /schools/{id}, 1,000 schools", Figure: results[2].rps, Unit: "req/s",
			Ceiling: results[1].rps, CeilingUnit: "req/s", CeilingName: "raw driver FindOne by _id", Ratio: byID, Target: ">= 0.70", Issue: 2, Met: &ok},
		{Area: "directory", Measure: "GET /schools?limit=50", Figure: results[3].rps, Unit: "req/s",
			Ceiling: results[1].rps, CeilingUnit: "req/s", CeilingName: "raw driver FindOne by _id", Ratio: list, Target: "reported"},
		{Area: "directory", Measure: "GET /schools/{id} beside a bare gin handler", Figure: results[2].rps, Unit: "req/s",
			Ceiling: results[0].rps, CeilingUnit: "req/s", CeilingName: "bare gin JSON handler", Ratio: results[2].rps / results[0].rps,
			Target: "reported (the dev database is the ceiling)"},
		{Area: "directory", Measure: fmt.Sprintf("CSV import of %d schools (validated)", *importRows), Figure: importTime.Seconds(), Unit: "s",
			Ceiling: rawInsert.Seconds(), CeilingUnit: "s", CeilingName: "raw InsertMany", Ratio: rawInsert.Seconds() / importTime.Seconds(),
			Target: "< 10 s", Issue: 2, Met: &importOK},
	}, nil
}

// waitOutboxEmpty waits until no school holds unpublished events.
func waitOutboxEmpty(ctx context.Context, uri string) error {
	cl, err := mongox.Connect(uri)
	if err != nil {
		return err
	}
	defer cl.Disconnect(context.Background())
	c := cl.Database(mongox.DBName(directory.Name, tenant)).Collection("schools")
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		n, err := c.CountDocuments(ctx, bson.D{{Key: mongox.OutboxField, Value: bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: bson.A{}}}}})
		if err == nil && n == 0 {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the outbox relay did not drain within 5 minutes")
}

type client struct{ base, token string }

func (c client) do(method, path, ct string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func get(url, token string) error {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

type result struct {
	name     string
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

// load runs op from concurrency clients for the duration and measures each call.
func load(name string, op func(i int) error) result {
	var wg sync.WaitGroup
	var n, errs atomic.Int64
	lat := make([][]time.Duration, *concurrency)
	deadline := time.Now().Add(*duration)
	start := time.Now()
	for w := range *concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				i := int(n.Add(1))
				t0 := time.Now()
				if err := op(i); err != nil {
					errs.Add(1)
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return result{name: name, rps: float64(len(all)) / elapsed.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100], errors: errs.Load()}
}

func bareGin(ctx context.Context) (string, error) {
	e := gin.New()
	e.GET("/", func(c *gin.Context) {
		c.JSON(200, gin.H{"id": "01", "name": "G.S. Kimironko I", "unit": "rw-gasabo-kimironko"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return "http://" + ln.Addr().String() + "/", nil
}

func rawInsertMany(ctx context.Context, uri string, rows int) (time.Duration, error) {
	cl, err := mongox.Connect(uri)
	if err != nil {
		return 0, err
	}
	defer cl.Disconnect(context.Background())
	c := cl.Database("bench_raw").Collection("schools")
	docs := make([]any, 0, 1000)
	start := time.Now()
	for i := range rows {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("id-%06d", i)}, {Key: "code", Value: fmt.Sprintf("C%06d", i)},
			{Key: "name", Value: "School"}, {Key: "unit", Value: "rw-gasabo-remera"}})
		if len(docs) == cap(docs) || i == rows-1 {
			if _, err := c.InsertMany(ctx, docs); err != nil {
				return 0, err
			}
			docs = docs[:0]
		}
	}
	return time.Since(start), nil
}

func schoolsCSV(prefix string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("code,name,unit\n")
	sectors := []string{"Bumbogo", "Gatsata", "Gikomero", "Gisozi", "Jabana", "Jali", "Kacyiru", "Kimihurura", "Kimironko", "Kinyinya", "Ndera", "Nduba", "Remera", "Rusororo", "Rutunga"}
	for i := range n {
		fmt.Fprintf(&b, "%s-%05d,School %d,%s\n", prefix, i, i, sectors[i%len(sectors)])
	}
	return b.Bytes()
}
