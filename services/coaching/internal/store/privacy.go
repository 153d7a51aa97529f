package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
)

// ExportPerson is what coaching holds about a person: every record they are a party to
// (relationships, sessions, ratings, observations, school plans, drop-out-risk checks)
// and the directory facts kept about them.
func (s *Store) ExportPerson(ctx context.Context, tenant, person string) (map[string]any, error) {
	party := bson.D{{Key: "parties", Value: person}}
	return privacy.Gather(ctx, s.Tenants, tenant,
		privacy.Query{Kind: "relationships", Collection: Relationships, Filter: party},
		privacy.Query{Kind: "sessions", Collection: Sessions, Filter: party},
		privacy.Query{Kind: "ratings", Collection: Ratings, Filter: party},
		privacy.Query{Kind: "observations", Collection: Observations, Filter: party},
		privacy.Query{Kind: "plans", Collection: Plans, Filter: party},
		privacy.Query{Kind: "risk_checks", Collection: RiskChecks, Filter: party},
		privacy.Query{Kind: "directory_people", Collection: People, Filter: bson.D{{Key: "_id", Value: person}}},
		privacy.Query{Kind: "directory_roles", Collection: Roles, Filter: bson.D{{Key: "person_id", Value: person}}})
}

// ErasePerson pseudonymises the free text of every session, rating, observation and
// drop-out-risk check the person is a party to (domain.EraseSession and the others).
// Each changed record gets a new change token, so that tablets following the change
// feed replace their copy. School improvement plans are the school's record and stay.
func (s *Store) ErasePerson(ctx context.Context, tenant, person string) (int, error) {
	total := 0
	for _, step := range []func() (int, error){
		func() (int, error) { return eraseIn(ctx, s, tenant, Sessions, person, domain.EraseSession) },
		func() (int, error) { return eraseIn(ctx, s, tenant, Ratings, person, domain.EraseRating) },
		func() (int, error) { return eraseIn(ctx, s, tenant, Observations, person, domain.EraseObservation) },
		func() (int, error) { return eraseIn(ctx, s, tenant, RiskChecks, person, domain.EraseRiskCheck) },
	} {
		n, err := step()
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// eraseIn erases the records of coll the person is a party to. Each write is guarded by
// the change token it read: a record changed meanwhile fails the attempt, and the
// consumer's retry reads it again.
func eraseIn[T any](ctx context.Context, s *Store, tenant, coll, person string, erase func(*T) bool) (int, error) {
	c, err := s.coll(ctx, tenant, coll)
	if err != nil {
		return 0, err
	}
	cur, err := c.Find(ctx, bson.D{{Key: "parties", Value: person}})
	if err != nil {
		return 0, mongox.Err(err, coll)
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		var v T
		if err := cur.Decode(&v); err != nil {
			return n, err
		}
		if !erase(&v) {
			continue
		}
		id, _ := cur.Current.Lookup("_id").StringValueOK()
		change, _ := cur.Current.Lookup(ChangeField).StringValueOK()
		doc, err := bson.Marshal(v)
		if err != nil {
			return n, err
		}
		var set bson.D
		if err := bson.Unmarshal(doc, &set); err != nil {
			return n, err
		}
		for i := range set {
			if set[i].Key == ChangeField {
				set[i].Value = domain.NewChange()
			}
		}
		res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: ChangeField, Value: change}}, bson.D{{Key: "$set", Value: withoutID(set)}})
		if err != nil {
			return n, mongox.Err(err, coll)
		}
		if res.MatchedCount == 0 {
			return n, fmt.Errorf("%s %s changed while being erased", coll, id)
		}
		n++
	}
	return n, mongox.Err(cur.Err(), coll)
}

func withoutID(d bson.D) bson.D {
	out := d[:0:0]
	for _, e := range d {
		if e.Key != "_id" {
			out = append(out, e)
		}
	}
	return out
}
