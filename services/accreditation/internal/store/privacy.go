package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
)

// ExportPerson is what accreditation holds about a person: their enrolments (with every
// submission and assessment), the evidence of their portfolio (files listed, not
// inlined: GET …/evidence/{id}/file serves them), their credentials, the enrolments they
// assess, and the directory facts kept about them.
func (s *Store) ExportPerson(ctx context.Context, tenant, person string) (map[string]any, error) {
	recs, err := privacy.Gather(ctx, s.Tenants, tenant,
		privacy.Query{Kind: "enrolments", Collection: Enrolments, Filter: bson.D{{Key: "person_id", Value: person}}},
		privacy.Query{Kind: "assessed_enrolments", Collection: Enrolments, Filter: bson.D{{Key: "assessor_id", Value: person}}},
		privacy.Query{Kind: "evidence", Collection: Evidence, Filter: bson.D{{Key: "owners", Value: person}}},
		privacy.Query{Kind: "credentials", Collection: Credentials, Filter: bson.D{{Key: "person_id", Value: person}}},
		privacy.Query{Kind: "directory_people", Collection: People, Filter: bson.D{{Key: "_id", Value: person}}},
		privacy.Query{Kind: "assessor_records", Collection: Assessors, Filter: bson.D{{Key: "_id", Value: person}}})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// ErasePerson pseudonymises the person's enrolments and the evidence that is theirs
// alone (domain.EraseEnrolment, domain.EraseEvidence), deleting the files of that
// evidence. A file is deleted before its record stops naming it, so a failure in between
// leaves a record that a retry finishes.
func (s *Store) ErasePerson(ctx context.Context, tenant, person string) (int, error) {
	n := 0
	enrolments, err := s.Enrolments.All(ctx, tenant, bson.D{{Key: "person_id", Value: person}})
	if err != nil {
		return 0, err
	}
	for _, e := range enrolments {
		if !domain.EraseEnrolment(&e) {
			continue
		}
		if _, _, err := s.Enrolments.Update(ctx, tenant, e.ID, 0, func(cur *domain.Enrolment) ([]mongox.Event, error) {
			domain.EraseEnrolment(cur)
			return nil, nil
		}); err != nil {
			return n, err
		}
		n++
	}
	items, err := s.Evidence.All(ctx, tenant, bson.D{{Key: "owners", Value: person}})
	if err != nil {
		return n, err
	}
	for _, ev := range items {
		changed, file := domain.EraseEvidence(&ev, person)
		if !changed {
			continue
		}
		if file != "" {
			if err := s.dropFile(ctx, tenant, file); err != nil {
				return n, err
			}
		}
		if _, _, err := s.Evidence.Update(ctx, tenant, ev.ID, 0, func(cur *domain.Evidence) ([]mongox.Event, error) {
			domain.EraseEvidence(cur, person)
			return nil, nil
		}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// dropFile deletes a stored file; one already gone (a retried erasure) is no error.
func (s *Store) dropFile(ctx context.Context, tenant, id string) error {
	b, err := s.bucket(ctx, tenant)
	if err != nil {
		return err
	}
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return nil // not a stored file's id: nothing to delete
	}
	if err := b.Delete(ctx, oid); err != nil && !errors.Is(err, mongo.ErrFileNotFound) {
		return mongox.Err(err, "upload")
	}
	return nil
}
