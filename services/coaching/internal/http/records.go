package http

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	libevents "github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/events"
	"github.com/l4l-platform/l4l/services/coaching/internal/store"
)

// Item statuses of a batch.
const (
	ItemCreated  = "created"
	ItemExists   = "exists"
	ItemRejected = "rejected"
)

// ItemResult is the outcome of one item of a batch upload.
type ItemResult struct {
	Kind    string           `json:"kind"`
	Index   int              `json:"index"`
	ID      string           `json:"id,omitempty"`
	Status  string           `json:"status"`
	Problem *problem.Problem `json:"problem,omitempty"`
	err     error
}

// batch validates and writes records of one upload against what it loads once: the
// roster, relationships and action states are read once per upload, not once per item.
type batch struct {
	ctx    context.Context
	a      *API
	t      domain.Tenant
	caller auth.Principal
	now    time.Time
	path   string

	roster    *domain.Roster
	active    []domain.Relationship
	activeSet bool
}

func (a *API) newBatch(ctx context.Context, t domain.Tenant, caller auth.Principal, path string) *batch {
	return &batch{ctx: ctx, a: a, t: t, caller: caller, now: a.Now(), path: path}
}

func (b *batch) getRoster() (domain.Roster, error) {
	if b.roster == nil {
		r, err := b.a.Store.Roster(b.ctx, b.t.Code)
		if err != nil {
			return r, err
		}
		b.roster = &r
	}
	return *b.roster, nil
}

func (b *batch) activeRelationships() ([]domain.Relationship, error) {
	if !b.activeSet {
		rels, err := b.a.Store.ActiveRelationships(b.ctx, b.t.Code, bson.D{})
		if err != nil {
			return nil, err
		}
		b.active, b.activeSet = rels, true
	}
	return b.active, nil
}

func (b *batch) reject(kind string, i int, id string, err error) ItemResult {
	p := problem.From(err, b.path)
	return ItemResult{Kind: kind, Index: i, ID: id, Status: ItemRejected, Problem: &p, err: err}
}

// internal reports whether err is ours rather than the item's (it fails the whole upload,
// so that the client retries it).
func internal(err error) bool {
	if err == nil {
		return false
	}
	k := problem.KindOf(err)
	return k == problem.Internal || k == problem.Unavailable
}

// sessions validates and inserts sessions; results are in input order.
func (b *batch) sessions(items []domain.SessionFields) ([]ItemResult, []domain.Session, error) {
	results := make([]ItemResult, len(items))
	var relIDs []string
	needActions, needRoster := false, false
	for _, f := range items {
		relIDs = append(relIDs, f.RelationshipID)
		needActions = needActions || len(f.FollowUps) > 0
		needRoster = needRoster || f.ObserverID != ""
	}
	rels, err := b.a.Store.RelationshipsByID(b.ctx, b.t.Code, dedupe(relIDs))
	if err != nil {
		return nil, nil, err
	}
	sc := domain.SessionContext{}
	if needRoster {
		if sc.Roster, err = b.getRoster(); err != nil {
			return nil, nil, err
		}
	}
	// Follow-ups are checked against the actions of the relationship's earlier sessions,
	// and of earlier sessions of this upload; those need the stored sessions.
	states := map[string]map[string]domain.ActionState{}
	stored := map[string]bool{}
	if needActions {
		prior, err := b.a.Store.SessionsOf(b.ctx, b.t.Code, slices.Collect(maps.Keys(rels)))
		if err != nil {
			return nil, nil, err
		}
		byRel := map[string][]domain.Session{}
		for _, s := range prior {
			byRel[s.RelationshipID] = append(byRel[s.RelationshipID], s)
			stored[s.ID] = true
		}
		for id, ss := range byRel {
			states[id] = domain.Actions(ss)
		}
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return strings.Compare(items[x].Date, items[y].Date) })

	var valid []domain.Session
	var news []mongox.New[domain.Session]
	var index []int
	seen := map[string]bool{}
	for _, i := range order {
		f := items[i]
		if f.ID != "" && (stored[f.ID] || seen[f.ID]) {
			results[i] = ItemResult{Kind: "session", Index: i, ID: f.ID, Status: ItemExists}
			continue
		}
		sc.Relationship = nil
		if r, ok := rels[f.RelationshipID]; ok && visible0(b.caller, r.Units, r.Parties) {
			sc.Relationship = &r
		}
		if states[f.RelationshipID] == nil {
			states[f.RelationshipID] = map[string]domain.ActionState{}
		}
		sc.Actions = states[f.RelationshipID]
		s, err := domain.NewSession(b.t, f, sc, b.caller.Subject, b.now)
		if err != nil {
			results[i] = b.reject("session", i, f.ID, err)
			continue
		}
		ev, err := events.ForSession(b.t.Code, s)
		if err != nil {
			return nil, nil, err
		}
		s.Apply(sc.Actions)
		seen[s.ID] = true
		valid = append(valid, s)
		news = append(news, mongox.New[domain.Session]{ID: s.ID, Value: s, Events: []mongox.Event{ev}})
		index = append(index, i)
	}
	outcomes, err := b.a.Store.Commit(b.ctx, b.t.Code, itemsOf(store.Sessions, news))
	if err != nil {
		return nil, nil, err
	}
	for j, o := range outcomes {
		results[index[j]] = ItemResult{Kind: "session", Index: index[j], ID: news[j].ID, Status: statusOf(o)}
	}
	return results, valid, nil
}

func itemsOf[T any](coll string, news []mongox.New[T]) []store.Item {
	out := make([]store.Item, len(news))
	for i, n := range news {
		evs := make([]libevents.Envelope, 0, len(n.Events))
		for _, e := range n.Events {
			evs = append(evs, e.(libevents.Envelope))
		}
		out[i] = store.Item{Collection: coll, ID: n.ID, Value: n.Value, Events: evs}
	}
	return out
}

func statusOf(o store.Outcome) string {
	if o == store.Existed {
		return ItemExists
	}
	return ItemCreated
}

// rater decides in which capacity the caller rates a head teacher: as their coach, as
// the SEO of their sector, or as field staff; anyone else is refused.
func (b *batch) rater(headTeacher string, units []string) (domain.Rater, error) {
	rels, err := b.activeRelationships()
	if err != nil {
		return domain.Rater{}, err
	}
	for _, r := range rels {
		if r.CoacheeID == headTeacher && r.CoachID == b.caller.Subject {
			return domain.Rater{PersonID: b.caller.Subject, Role: r.CoachRole}, nil
		}
	}
	if by, ok := b.staff(units); ok {
		return domain.Rater(by), nil
	}
	return domain.Rater{}, problem.New(problem.Forbidden, "head teachers are rated by their coach, their sector's SEO or field staff")
}

// staff is the caller as an SEO of one of units, or as field staff.
func (b *batch) staff(units []string) (domain.Observer, bool) {
	switch {
	case b.caller.HasRole(seo) && (b.caller.Unit == "" || slices.Contains(units, b.caller.Unit)):
		return domain.Observer{PersonID: b.caller.Subject, Role: seo}, true
	case b.caller.HasRole(fieldStaff):
		return domain.Observer{PersonID: b.caller.Subject, Role: fieldStaff}, true
	}
	return domain.Observer{}, false
}

// headTeacherSchool is the school where person is an active head teacher ("" if none).
func headTeacherSchool(t domain.Tenant, r domain.Roster, person, today string) string {
	role := domain.RatedRole(t.Profile)
	for _, a := range r.Active(today) {
		if a.PersonID == person && a.Role == role {
			return a.Unit
		}
	}
	return ""
}

func (b *batch) ratings(items []domain.RatingFields) ([]ItemResult, []domain.Rating, error) {
	results := make([]ItemResult, len(items))
	roster, err := b.getRoster()
	if err != nil {
		return nil, nil, err
	}
	today := b.t.Today(b.now)
	var valid []domain.Rating
	var news []mongox.New[domain.Rating]
	var index []int
	for i, f := range items {
		school := headTeacherSchool(b.t, roster, f.HeadTeacherID, today)
		units := b.t.UnitsOf(roster, school)
		if school != "" && !visible0(b.caller, units, []string{f.HeadTeacherID}) {
			school = ""
		}
		by := domain.Rater{PersonID: b.caller.Subject}
		if school != "" {
			if by, err = b.rater(f.HeadTeacherID, units); internal(err) {
				return nil, nil, err
			} else if err != nil {
				results[i] = b.reject("rating", i, f.ID, err)
				continue
			}
		}
		r, err := domain.NewRating(b.t, f, school, units, by, b.now)
		if err != nil {
			results[i] = b.reject("rating", i, f.ID, err)
			continue
		}
		ev, err := events.ForRating(b.t.Code, r)
		if err != nil {
			return nil, nil, err
		}
		valid = append(valid, r)
		news = append(news, mongox.New[domain.Rating]{ID: r.ID, Value: r, Events: []mongox.Event{ev}})
		index = append(index, i)
	}
	outcomes, err := b.a.Store.Commit(b.ctx, b.t.Code, itemsOf(store.Ratings, news))
	if err != nil {
		return nil, nil, err
	}
	for j, o := range outcomes {
		results[index[j]] = ItemResult{Kind: "rating", Index: index[j], ID: news[j].ID, Status: statusOf(o)}
	}
	return results, valid, nil
}

// observer decides in which capacity the caller observes a lesson at school: as its head
// teacher, as the coach of its head teacher, as an SEO of its sector or as field staff.
func (b *batch) observer(roster domain.Roster, school string, units []string) (domain.Observer, error) {
	today := b.t.Today(b.now)
	ht := domain.RatedRole(b.t.Profile)
	if roster.Holds(b.caller.Subject, ht, school, today) {
		return domain.Observer{PersonID: b.caller.Subject, Role: ht}, nil
	}
	rels, err := b.activeRelationships()
	if err != nil {
		return domain.Observer{}, err
	}
	for _, r := range rels {
		if r.CoachID == b.caller.Subject && r.Unit == school {
			return domain.Observer{PersonID: b.caller.Subject, Role: r.CoachRole}, nil
		}
	}
	if by, ok := b.staff(units); ok {
		return by, nil
	}
	return domain.Observer{}, problem.New(problem.Forbidden, "lessons are observed by the school's head teacher, its head teacher's coach, the sector's SEO or field staff")
}

func (b *batch) observations(items []domain.ObservationFields) ([]ItemResult, []domain.Observation, error) {
	results := make([]ItemResult, len(items))
	roster, err := b.getRoster()
	if err != nil {
		return nil, nil, err
	}
	var valid []domain.Observation
	var news []mongox.New[domain.Observation]
	var index []int
	for i, f := range items {
		school := roster.People[f.TeacherID]
		if _, known := roster.Schools[school]; !known {
			school = ""
		}
		units := b.t.UnitsOf(roster, school)
		if school != "" && !visible0(b.caller, units, []string{f.TeacherID}) {
			school = ""
		}
		by := domain.Observer{PersonID: b.caller.Subject}
		if school != "" {
			if by, err = b.observer(roster, school, units); internal(err) {
				return nil, nil, err
			} else if err != nil {
				results[i] = b.reject("observation", i, f.ID, err)
				continue
			}
		}
		o, err := domain.NewObservation(b.t, f, school, units, by, b.now)
		if err != nil {
			results[i] = b.reject("observation", i, f.ID, err)
			continue
		}
		ev, err := events.ForObservation(b.t.Code, o)
		if err != nil {
			return nil, nil, err
		}
		valid = append(valid, o)
		news = append(news, mongox.New[domain.Observation]{ID: o.ID, Value: o, Events: []mongox.Event{ev}})
		index = append(index, i)
	}
	outcomes, err := b.a.Store.Commit(b.ctx, b.t.Code, itemsOf(store.Observations, news))
	if err != nil {
		return nil, nil, err
	}
	for j, o := range outcomes {
		results[index[j]] = ItemResult{Kind: "observation", Index: index[j], ID: news[j].ID, Status: statusOf(o)}
	}
	return results, valid, nil
}

func visible0(p auth.Principal, units, parties []string) bool {
	if p.Unit == "" {
		return true
	}
	return slices.Contains(units, p.Unit) || slices.Contains(parties, p.Subject)
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func sortedIDs[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
