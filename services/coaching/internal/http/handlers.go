package http

import (
	"context"
	"fmt"
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/store"
)

// created answers a single POST from its one-item batch: the item's problem, a 409 for an
// id already recorded, or 201.
func created(c *gin.Context, res ItemResult, path string, v any) error {
	switch res.Status {
	case ItemExists:
		return problem.New(problem.Conflict, "a %s with id %s is already recorded", res.Kind, res.ID)
	}
	web.Location(c, "%s/%s", path, res.ID)
	c.Header("ETag", web.ETag(1))
	return web.JSON(c, nethttp.StatusCreated, v)
}

func (a *API) createSession(c *gin.Context) error { return createOne(a, c, (*batch).sessions) }

func (a *API) createRating(c *gin.Context) error { return createOne(a, c, (*batch).ratings) }

func (a *API) createObservation(c *gin.Context) error {
	return createOne(a, c, (*batch).observations)
}

// createOne runs a single record through the same path as a batch upload, so that a
// record is checked and written the same way whether it comes alone or offline in a batch.
func createOne[F, V any](a *API, c *gin.Context, run func(*batch, []F) ([]ItemResult, []V, error)) error {
	var f F
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	b := a.newBatch(c.Request.Context(), tenantOf(c), auth.From(c), c.Request.URL.Path)
	res, valid, err := run(b, []F{f})
	if err != nil {
		return err
	}
	var v any
	if len(valid) == 1 {
		v = valid[0]
	}
	return problemOr(c, res[0], v)
}

func problemOr(c *gin.Context, res ItemResult, v any) error {
	if res.Status == ItemRejected {
		return res.err
	}
	return created(c, res, c.Request.URL.Path, v)
}

func (a *API) listSessions(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	f := append(filters(c, "relationship_id", "coach_id", "coachee_id", "unit"), scope(c)...)
	items, next, err := a.Store.Sessions.List(c.Request.Context(), tenantOf(c).Code, f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Session]{Items: items, NextCursor: next})
}

func (a *API) getSession(c *gin.Context) error {
	return getVisible(c, a.Store.Sessions.Get, "session", func(x *domain.Session) ([]string, []string) { return x.Units, x.Parties })
}

func (a *API) listRatings(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	f := append(filters(c, "head_teacher_id", "school_id", "rater_id", "unit"), scope(c)...)
	items, next, err := a.Store.Ratings.List(c.Request.Context(), tenantOf(c).Code, f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Rating]{Items: items, NextCursor: next})
}

func (a *API) getRating(c *gin.Context) error {
	return getVisible(c, a.Store.Ratings.Get, "rating", func(x *domain.Rating) ([]string, []string) { return x.Units, x.Parties })
}

type standardsView struct {
	HeadTeacherID string            `json:"head_teacher_id"`
	Areas         []domain.Standing `json:"areas"`
	MeetsAll      bool              `json:"meets_all_standards"`
	LowestLevel   int               `json:"lowest_level"`
	VisitInterval int               `json:"visit_interval_days"`
}

// standards is where a head teacher stands: the latest rating per area decides.
func (a *API) standards(c *gin.Context) error {
	t := tenantOf(c)
	id := c.Param("id")
	ratings, err := a.Store.RatingsOf(c.Request.Context(), t.Code, []string{id})
	if err != nil {
		return err
	}
	var mine []domain.Rating
	for _, r := range ratings {
		if visible(c, r.Units, r.Parties) {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return problem.New(problem.NotFound, "no rating of head teacher %q", id)
	}
	areas, all := domain.Standards(t, mine)
	low := domain.LowestLevel(areas)
	return web.JSON(c, nethttp.StatusOK, standardsView{HeadTeacherID: id, Areas: areas, MeetsAll: all, LowestLevel: low, VisitInterval: domain.VisitInterval(low)})
}

func (a *API) listObservations(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	f := append(filters(c, "teacher_id", "school_id", "observer_id", "subject", "unit"), scope(c)...)
	items, next, err := a.Store.Observations.List(c.Request.Context(), tenantOf(c).Code, f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Observation]{Items: items, NextCursor: next})
}

func (a *API) getObservation(c *gin.Context) error {
	return getVisible(c, a.Store.Observations.Get, "observation", func(x *domain.Observation) ([]string, []string) { return x.Units, x.Parties })
}

type rhythmView struct {
	Today  string               `json:"today"`
	Items  []domain.RhythmEntry `json:"items"`
	Counts map[string]int       `json:"counts"`
}

// visitRhythm lists coachees by when their next visit is due, per coach (coach_id) or per
// unit (unit: a school, sector or the district), optionally only one status.
func (a *API) visitRhythm(c *gin.Context) error {
	t := tenantOf(c)
	within := 14
	if s := c.Query("within_days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 365 {
			return problem.Fields("invalid query parameter", problem.Field("within_days", "a whole number from 0 to 365"))
		}
		within = n
	}
	status := c.Query("status")
	switch status {
	case "", domain.RhythmNeverVisited, domain.RhythmOverdue, domain.RhythmDue, domain.RhythmOnTrack:
	default:
		return problem.Fields("invalid query parameter", problem.Field("status", "one of never_visited, overdue, due, on_track"))
	}
	f := append(filters(c, "coach_id", "unit", "link"), scope(c)...)
	rels, err := a.Store.ActiveRelationships(c.Request.Context(), t.Code, f)
	if err != nil {
		return err
	}
	var coachees []string
	for _, r := range rels {
		coachees = append(coachees, r.CoacheeID)
	}
	visits, err := a.Store.LastVisits(c.Request.Context(), t.Code, coachees)
	if err != nil {
		return err
	}
	ratings, err := a.Store.RatingsOf(c.Request.Context(), t.Code, coachees)
	if err != nil {
		return err
	}
	byHT := map[string][]domain.Rating{}
	for _, r := range ratings {
		byHT[r.HeadTeacherID] = append(byHT[r.HeadTeacherID], r)
	}
	levels := map[string]int{}
	for id, rs := range byHT {
		areas, _ := domain.Standards(t, rs)
		levels[id] = domain.LowestLevel(areas)
	}
	today := t.Today(a.Now())
	entries := domain.Rhythm(rels, visits, levels, today, within)
	view := rhythmView{Today: today, Items: []domain.RhythmEntry{}, Counts: map[string]int{
		domain.RhythmNeverVisited: 0, domain.RhythmOverdue: 0, domain.RhythmDue: 0, domain.RhythmOnTrack: 0}}
	for _, e := range entries {
		view.Counts[e.Status]++
		if status == "" || e.Status == status {
			view.Items = append(view.Items, e)
		}
	}
	return web.JSON(c, nethttp.StatusOK, view)
}

// SyncRequest is an offline tablet's upload.
type SyncRequest struct {
	Sessions     []domain.SessionFields     `json:"sessions"`
	Ratings      []domain.RatingFields      `json:"ratings"`
	Observations []domain.ObservationFields `json:"observations"`
	// School improvement plans: drop-out-risk checks and self-reviews (see plans.go).
	RiskChecks  []domain.RiskCheckFields `json:"risk_checks"`
	SelfReviews []SyncSelfReview         `json:"self_reviews"`
}

type syncView struct {
	Results  []ItemResult `json:"results"`
	Created  int          `json:"created"`
	Existed  int          `json:"existed"`
	Rejected int          `json:"rejected"`
}

// MaxSyncItems bounds one upload.
const MaxSyncItems = 500

// sync takes an offline tablet's sessions, ratings and observations in one upload. Each
// item succeeds or fails alone, with its own result; items carry client-made ids, so an
// upload repeated after a lost answer reports them as existing instead of creating them
// twice (and with an Idempotency-Key the whole answer is replayed).
func (a *API) sync(c *gin.Context) error {
	var req SyncRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	n := len(req.Sessions) + len(req.Ratings) + len(req.Observations) + len(req.RiskChecks) + len(req.SelfReviews)
	if n == 0 || n > MaxSyncItems {
		return problem.Fields("invalid upload", problem.Field("(body)", "from 1 to %d items in all", MaxSyncItems))
	}
	var errs []problem.FieldError
	check := func(kind string, i int, id string) {
		if id == "" {
			errs = append(errs, problem.Field(fmt.Sprintf("%s[%d].id", kind, i), "required in a sync upload: a UUID made on the device"))
		}
	}
	for i, s := range req.Sessions {
		check("sessions", i, s.ID)
	}
	for i, r := range req.Ratings {
		check("ratings", i, r.ID)
	}
	for i, o := range req.Observations {
		check("observations", i, o.ID)
	}
	for i, r := range req.RiskChecks {
		check("risk_checks", i, r.ID)
	}
	for i, r := range req.SelfReviews {
		check("self_reviews", i, r.ID)
	}
	if len(errs) > 0 {
		return problem.Fields("every item of a sync upload needs its id", errs...)
	}
	b := a.newBatch(c.Request.Context(), tenantOf(c), auth.From(c), c.Request.URL.Path)
	view := syncView{Results: []ItemResult{}}
	if len(req.Sessions) > 0 {
		res, _, err := b.sessions(req.Sessions)
		if err != nil {
			return err
		}
		view.Results = append(view.Results, res...)
	}
	if len(req.Ratings) > 0 {
		res, _, err := b.ratings(req.Ratings)
		if err != nil {
			return err
		}
		view.Results = append(view.Results, res...)
	}
	if len(req.Observations) > 0 {
		res, _, err := b.observations(req.Observations)
		if err != nil {
			return err
		}
		view.Results = append(view.Results, res...)
	}
	if len(req.RiskChecks) > 0 {
		res, err := b.riskChecks(req.RiskChecks)
		if err != nil {
			return err
		}
		view.Results = append(view.Results, res...)
	}
	if len(req.SelfReviews) > 0 {
		res, err := b.selfReviews(req.SelfReviews)
		if err != nil {
			return err
		}
		view.Results = append(view.Results, res...)
	}
	for _, r := range view.Results {
		switch r.Status {
		case ItemCreated:
			view.Created++
		case ItemExists:
			view.Existed++
		default:
			view.Rejected++
		}
	}
	return web.JSON(c, nethttp.StatusOK, view)
}

// Change is one record of the change feed: its kind, its position, and the record.
type Change struct {
	Kind         string               `json:"kind"`
	Position     string               `json:"position"`
	Relationship *domain.Relationship `json:"relationship,omitempty"`
	Session      *domain.Session      `json:"session,omitempty"`
	Rating       *domain.Rating       `json:"rating,omitempty"`
	Observation  *domain.Observation  `json:"observation,omitempty"`
	Plan         *domain.SchoolPlan   `json:"plan,omitempty"`
	RiskCheck    *domain.RiskCheck    `json:"risk_check,omitempty"`
}

type changesView struct {
	Items     []Change `json:"items"`
	NextSince string   `json:"next_since"`
	More      bool     `json:"has_more"`
}

// changesOf appends one collection's changes in scope to all, each wrapped as a Change.
func changesOf[T any](ctx context.Context, s *store.Store, tenant, coll string, scope bson.D, since, upTo string, limit int,
	all *[]Change, wrap func(position string, x *T) Change) error {
	items, positions, err := store.Changes[T](ctx, s, tenant, coll, scope, since, upTo, limit)
	if err != nil {
		return err
	}
	for i := range items {
		*all = append(*all, wrap(positions[i], &items[i]))
	}
	return nil
}

// changes is the change feed of the caller's scope: what was created or changed after
// `since` (the next_since of the previous call; none for everything), oldest first.
func (a *API) changes(c *gin.Context) error {
	limit, err := web.Limit(c, 200, 1000)
	if err != nil {
		return err
	}
	since := c.Query("since")
	if since != "" && !domain.ValidID(since) {
		return problem.Fields("invalid query parameter", problem.Field("since", "the next_since of a previous answer, or nothing to start from the beginning"))
	}
	t := tenantOf(c)
	upTo := positionAt(a.Now().Add(-a.FeedLag))
	sc := scope(c)
	var all []Change
	ctx := c.Request.Context()
	if err := changesOf(ctx, a.Store, t.Code, store.Relationships, sc, since, upTo, limit+1, &all, func(pos string, x *domain.Relationship) Change {
		return Change{Kind: "relationship", Position: pos, Relationship: x}
	}); err != nil {
		return err
	}
	if err := changesOf(ctx, a.Store, t.Code, store.Sessions, sc, since, upTo, limit+1, &all, func(pos string, x *domain.Session) Change {
		return Change{Kind: "session", Position: pos, Session: x}
	}); err != nil {
		return err
	}
	if err := changesOf(ctx, a.Store, t.Code, store.Ratings, sc, since, upTo, limit+1, &all, func(pos string, x *domain.Rating) Change {
		return Change{Kind: "rating", Position: pos, Rating: x}
	}); err != nil {
		return err
	}
	if err := changesOf(ctx, a.Store, t.Code, store.Observations, sc, since, upTo, limit+1, &all, func(pos string, x *domain.Observation) Change {
		return Change{Kind: "observation", Position: pos, Observation: x}
	}); err != nil {
		return err
	}
	if err := changesOf(ctx, a.Store, t.Code, store.Plans, sc, since, upTo, limit+1, &all, func(pos string, x *domain.SchoolPlan) Change {
		return Change{Kind: "plan", Position: pos, Plan: x}
	}); err != nil {
		return err
	}
	if err := changesOf(ctx, a.Store, t.Code, store.RiskChecks, sc, since, upTo, limit+1, &all, func(pos string, x *domain.RiskCheck) Change {
		return Change{Kind: "risk_check", Position: pos, RiskCheck: x}
	}); err != nil {
		return err
	}
	sortChanges(all)
	view := changesView{Items: []Change{}, NextSince: since}
	if len(all) > limit {
		all, view.More = all[:limit], true
	}
	view.Items = append(view.Items, all...)
	if len(all) > 0 {
		view.NextSince = all[len(all)-1].Position
	}
	return web.JSON(c, nethttp.StatusOK, view)
}

// positionAt is the highest change position of the millisecond t: UUIDv7s begin with
// their millisecond timestamp in hex, so positions compare as strings.
func positionAt(t time.Time) string {
	h := fmt.Sprintf("%012x", t.UnixMilli())
	return h[:8] + "-" + h[8:12] + "-7fff-bfff-ffffffffffff"
}
