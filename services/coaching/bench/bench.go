// Package bench measures the coaching service's offline sync beside its ceiling, for
// tools/bench (`make bench`) and `go test -bench`: tablets upload sessions in batches
// through POST /sync while the raw driver's InsertMany of the same documents, with the
// same batch size and concurrency on the same embedded database, is the ceiling.
//
// It starts the embedded dev stack, so production binaries must never import it (the
// service's cmd does not).
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/coaching"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/store"
)

// Options size the run; zero values take the figures.
type Options struct {
	// Sessions uploaded in all (10,000), in batches of Batch (200) by Clients (8)
	// concurrent tablets, each the coach of CoacheesPerCoach (5) head teachers.
	Sessions, Batch, Clients, CoacheesPerCoach int
	// IdempotencyKeys sends an Idempotency-Key with every upload (libs/idempotency then
	// stores each answer, and on FerretDB every later lookup scans those answers).
	IdempotencyKeys bool
	// Stack to run on; nil starts one in a temporary directory.
	Stack *devstack.Stack
}

// Result is what one run measured.
type Result struct {
	Sessions, Batch, Clients int
	// Sync is the wall time of all uploads through POST /sync; Raw that of the raw
	// driver's InsertMany of the same documents (the mean of a run before and one after).
	Sync, Raw time.Duration
	// Retries counts uploads answered 503 or 409 (busy) and sent again.
	Retries int
	// SyncRate and RawRate are sessions per second; Ratio is SyncRate / RawRate.
	SyncRate, RawRate, Ratio float64
}

func (r Result) String() string {
	return fmt.Sprintf("batch sync of %d sessions (batches of %d, %d clients): %.0f sessions/s (%.2f s, %d uploads retried); raw InsertMany ceiling %.0f docs/s (%.2f s); ratio %.2f",
		r.Sessions, r.Batch, r.Clients, r.SyncRate, r.Sync.Seconds(), r.Retries, r.RawRate, r.Raw.Seconds(), r.Ratio)
}

const tenant = "rw-gasabo"

// BatchSync runs the batch sync benchmark once.
func BatchSync(ctx context.Context, o Options) (Result, error) {
	if o.Sessions == 0 {
		o.Sessions = 10000
	}
	if o.Batch == 0 {
		o.Batch = 200
	}
	if o.Clients == 0 {
		o.Clients = 8
	}
	if o.CoacheesPerCoach == 0 {
		o.CoacheesPerCoach = 5
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stack := o.Stack
	if stack == nil {
		dir, err := os.MkdirTemp("", "l4l-coaching-bench-")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(dir)
		if stack, err = devstack.Start(ctx, devstack.Options{Dir: dir}); err != nil {
			return Result{}, err
		}
		defer stack.Close()
	}
	is := devissuer.New(devissuer.DefaultIssuer)
	jwksURL, err := is.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	cfg, err := config.FromEnv(coaching.Name)
	if err != nil {
		return Result{}, err
	}
	cfg.HTTPAddr, cfg.MongoURI, cfg.KafkaBrokers = "127.0.0.1:0", stack.MongoURI, stack.KafkaBrokers
	cfg.OIDCIssuer, cfg.OIDCJWKSURL = devissuer.DefaultIssuer, jwksURL
	cfg.Tenants = []string{tenant}
	svc, err := service.Start(ctx, coaching.Definition, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return Result{}, err
	}
	defer func() { cancel(); _ = svc.Wait() }()

	// The roster: one LLL per client, each coaching a few head teachers.
	st := store.New(svc.Deps.Tenants, nil)
	if err := st.Open(ctx, tenant); err != nil {
		return Result{}, err
	}
	rels := make([][]domain.Relationship, o.Clients)
	now := time.Now().UTC()
	for c := range o.Clients {
		for h := range o.CoacheesPerCoach {
			coach, coachee := fmt.Sprintf("lll-%d", c), fmt.Sprintf("ht-%d-%d", c, h)
			r := domain.Relationship{ID: domain.NewID(), Link: "lll>ht", CoachID: coach, CoachRole: "lll", CoacheeID: coachee, CoacheeRole: "ht",
				Unit: "school-" + coachee, Units: []string{"school-" + coachee, "rw-gasabo-remera", tenant}, GroupUnit: "rw-gasabo-remera",
				Source: domain.SourceManual, Status: domain.StatusActive, StartDate: "2025-01-06", CreatedAt: now, UpdatedAt: now,
				ActiveKey: domain.ActiveKeyOf("lll>ht", coachee), Parties: []string{coach, coachee}, Change: domain.NewChange()}
			if err := st.Relationships.Insert(ctx, tenant, r.ID, r); err != nil {
				return Result{}, fmt.Errorf("roster: %w", err)
			}
			rels[c] = append(rels[c], r)
		}
	}
	uploads := make([][]map[string]any, o.Clients)
	for i := range o.Sessions {
		c := i % o.Clients
		r := rels[c][i%len(rels[c])]
		uploads[c] = append(uploads[c], map[string]any{
			"id": uuid.Must(uuid.NewV7()).String(), "relationship_id": r.ID,
			"date": now.AddDate(0, 0, -1-i%300).Format("2006-01-02"), "mode": "school_visit", "duration_minutes": 60,
			"focus_areas": []string{"leading_teaching", "leading_learning"},
			"notes":       "Observed a P3 mathematics lesson with the head teacher and discussed the feedback given.",
			"goals":       []string{"Observe two lessons a week"},
			"actions":     []map[string]string{{"description": "Share the P3 results with staff"}},
		})
	}

	// The ceiling: the same documents, as the service stores them, through the raw driver
	// into a collection with the service's indexes (on FerretDB each is a JSON expression
	// computed at every insert, so without them the ceiling would not be storing
	// sessions). It is measured before and after the uploads and the mean taken: the
	// machine's load drifts during a run.
	rawBefore, err := rawInsert(ctx, stack.MongoURI, "bench_raw_before", uploads, rels, o.Batch)
	if err != nil {
		return Result{}, err
	}

	api := svc.URL + "/v1/tenants/" + tenant + "/sync"
	var wg sync.WaitGroup
	var retries atomic.Int64
	errs := make(chan error, o.Clients)
	start := time.Now()
	for c := range o.Clients {
		tok, err := is.Token(fmt.Sprintf("lll-%d", c), []string{"lll", "ht"}, "rw", tenant, "rw-gasabo-remera", time.Hour)
		if err != nil {
			return Result{}, err
		}
		wg.Go(func() {
			for b := 0; b < len(uploads[c]); b += o.Batch {
				items := uploads[c][b:min(b+o.Batch, len(uploads[c]))]
				// A tablet retries an upload the server could not take (503), with the same key.
				for attempt := 0; ; attempt++ {
					key := ""
					if o.IdempotencyKeys {
						key = fmt.Sprintf("bench-%d-%d", c, b)
					}
					err := post(ctx, api, tok, key, items)
					if err == nil {
						break
					}
					retries.Add(1)
					if !errors.Is(err, errBusy) || attempt == 20 {
						errs <- err
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return Result{}, err
	}
	rawAfter, err := rawInsert(ctx, stack.MongoURI, "bench_raw_after", uploads, rels, o.Batch)
	if err != nil {
		return Result{}, err
	}
	raw := (rawBefore + rawAfter) / 2
	res := Result{Sessions: o.Sessions, Batch: o.Batch, Clients: o.Clients, Sync: took, Raw: raw, Retries: int(retries.Load()),
		SyncRate: float64(o.Sessions) / took.Seconds(), RawRate: float64(o.Sessions) / raw.Seconds()}
	res.Ratio = res.SyncRate / res.RawRate
	return res, nil
}

var errBusy = errors.New("service unavailable")

func post(ctx context.Context, url, tok, key string, items []map[string]any) error {
	body, err := json.Marshal(map[string]any{"sessions": items})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	// An upload sent again after a 503 may find some or all of its items stored by the
	// first attempt: "existed" is as good as "created" for the tablet (stored once).
	var out struct {
		Created int `json:"created"`
		Existed int `json:"existed"`
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusConflict {
		return errBusy
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Created+out.Existed != len(items) {
		return fmt.Errorf("sync answered %d: %.300s", res.StatusCode, b)
	}
	return nil
}

// rawInsert inserts the sessions' stored form with InsertMany, same batches and clients.
func rawInsert(ctx context.Context, uri, db string, uploads [][]map[string]any, rels [][]domain.Relationship, batch int) (time.Duration, error) {
	// Like the service's client (one connection in dev mode), but the 8 writers may queue
	// for it longer than the service's 3 s: that wait is part of the ceiling.
	cl, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(time.Minute))
	if err != nil {
		return 0, err
	}
	defer cl.Disconnect(context.Background())
	coll := cl.Database(db).Collection(store.Sessions)
	for _, ix := range store.Indexes[store.Sessions] {
		// One at a time: FerretDB 1.24 fails a createIndexes naming several.
		if _, err := coll.Indexes().CreateOne(ctx, ix); err != nil {
			return 0, fmt.Errorf("raw insert: index: %w", err)
		}
	}
	docs := make([][]any, len(uploads))
	for c, items := range uploads {
		for i, it := range items {
			r := rels[c][i%len(rels[c])]
			id := it["id"].(string)
			s := domain.Session{ID: id, RelationshipID: r.ID, Link: r.Link, CoachID: r.CoachID, CoachRole: r.CoachRole, CoacheeID: r.CoacheeID,
				CoacheeRole: r.CoacheeRole, Date: it["date"].(string), Mode: "school_visit", DurationMinutes: 60,
				FocusAreas: []string{"leading_teaching", "leading_learning"}, Notes: it["notes"].(string), Goals: []string{"Observe two lessons a week"},
				Actions: []domain.Action{{ID: id + ".1", Description: "Share the P3 results with staff"}}, FollowUps: []domain.FollowUp{},
				CarriedActions: []string{}, Units: r.Units, Parties: r.Parties, Change: domain.NewChange(), CreatedAt: time.Now().UTC()}
			raw, err := bson.Marshal(s)
			if err != nil {
				return 0, err
			}
			docs[c] = append(docs[c], bson.Raw(raw))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(docs))
	start := time.Now()
	for c := range docs {
		wg.Go(func() {
			for b := 0; b < len(docs[c]); b += batch {
				if _, err := coll.InsertMany(ctx, docs[c][b:min(b+batch, len(docs[c]))]); err != nil {
					errs <- fmt.Errorf("raw insert: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	return took, <-errs
}
