// Package store keeps accreditation data in MongoDB, one database per tenant: the
// aggregates enrolments, evidence and credentials (each write with its events in the same
// document), uploaded files in GridFS, and what other services' events tell it (people's
// schools, coaching relationships, assessors), kept by the consumers.
package store

import (
	"context"
	"errors"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
)

// Service is the service's name, which names its databases (l4l_accreditation_<tenant>).
const Service = "accreditation"

// Collections.
const (
	Enrolments  = "enrolments"
	Evidence    = "evidence"
	Credentials = "credentials"
	People      = "people"
	Coaches     = "coaches"
	Assessors   = "assessors"
	Counters    = "counters"
	// Bucket is the GridFS bucket of uploaded files (collections uploads.files and uploads.chunks).
	Bucket = "uploads"
)

// Indexes are applied to every tenant database. GridFS's own indexes are declared here too
// (with the names the driver gives them), so that they exist before the first upload
// instead of being created by the driver in the middle of one.
var Indexes = mongox.Indexes{
	Enrolments: {
		// One live enrolment per person; one enrolment per appointment.
		{Keys: bson.D{{Key: "active_key", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "appointment_key", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "assessor_id", Value: 1}}},
	},
	Evidence: {
		// A redelivered event collects nothing twice.
		{Keys: bson.D{{Key: "source_key", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "owners", Value: 1}}},
	},
	Credentials: {
		{Keys: bson.D{{Key: "enrolment_key", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "status_index", Value: 1}}, Options: options.Index().SetUnique(true)},
	},
	Coaches:                {{Keys: bson.D{{Key: "coachee_id", Value: 1}}}},
	People:                 nil,
	Assessors:              nil,
	Counters:               nil,
	Bucket + ".files":      {{Keys: bson.D{{Key: "filename", Value: 1}, {Key: "uploadDate", Value: 1}}}},
	Bucket + ".chunks":     {{Keys: bson.D{{Key: "files_id", Value: 1}, {Key: "n", Value: 1}}, Options: options.Index().SetUnique(true)}},
	idempotency.Collection: nil,
}

// Credential is an issued credential: the signed form as issued, and its revocation.
type Credential struct {
	ID           string     `bson:"_id" json:"id"`
	EnrolmentID  string     `bson:"enrolment_id" json:"enrolment_id"`
	EnrolmentKey string     `bson:"enrolment_key" json:"-"`
	PersonID     string     `bson:"person_id" json:"person_id"`
	StatusIndex  int        `bson:"status_index" json:"status_index"`
	IssuedAt     time.Time  `bson:"issued_at" json:"issued_at"`
	JWT          string     `bson:"jwt" json:"credential"`
	Revoked      bool       `bson:"revoked" json:"revoked"`
	RevokedAt    *time.Time `bson:"revoked_at,omitempty" json:"revoked_at,omitempty"`
	RevokeReason string     `bson:"revoke_reason,omitempty" json:"revoke_reason,omitempty"`
	RevokedBy    string     `bson:"revoked_by,omitempty" json:"-"`
}

// Store is the accreditation service's persistence.
type Store struct {
	Enrolments  mongox.Aggregates[domain.Enrolment]
	Evidence    mongox.Aggregates[domain.Evidence]
	Credentials mongox.Aggregates[Credential]
	Tenants     *mongox.Tenants
}

// New makes a store over the tenants' databases; n is told of new outbox entries.
func New(t *mongox.Tenants, n mongox.Notifier) *Store {
	return &Store{
		Tenants:     t,
		Enrolments:  mongox.Aggregates[domain.Enrolment]{Name: "enrolment", Collection: Enrolments, Tenants: t, Notifier: n},
		Evidence:    mongox.Aggregates[domain.Evidence]{Name: "evidence", Collection: Evidence, Tenants: t, Notifier: n},
		Credentials: mongox.Aggregates[Credential]{Name: "credential", Collection: Credentials, Tenants: t, Notifier: n},
	}
}

func (s *Store) coll(ctx context.Context, tenant, name string) (*mongo.Collection, error) {
	db, err := s.Tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return db.Collection(name), nil
}

// LiveEnrolment reads a person's live enrolment (NotFound when there is none).
func (s *Store) LiveEnrolment(ctx context.Context, tenant, person string) (domain.Enrolment, int64, error) {
	es, err := s.Enrolments.All(ctx, tenant, bson.D{{Key: "active_key", Value: person}})
	if err != nil {
		return domain.Enrolment{}, 0, err
	}
	if len(es) == 0 {
		return domain.Enrolment{}, 0, problem.New(problem.NotFound, "%s has no live enrolment", person)
	}
	return s.Enrolments.Get(ctx, tenant, es[0].ID)
}

// EvidenceOf reads every item that counts for a person.
func (s *Store) EvidenceOf(ctx context.Context, tenant, person string) ([]domain.Evidence, error) {
	evs, err := s.Evidence.All(ctx, tenant, bson.D{{Key: "owners", Value: person}})
	if evs == nil {
		evs = []domain.Evidence{}
	}
	return evs, err
}

// AddEvidence stores a new item with its event; false when the item was collected
// already (a redelivered event).
func (s *Store) AddEvidence(ctx context.Context, tenant string, ev domain.Evidence, event any) (bool, error) {
	err := s.Evidence.Insert(ctx, tenant, ev.ID, ev, event)
	if problem.Is(err, problem.Conflict) {
		return false, nil
	}
	return err == nil, err
}

// person is a person as the directory's events describe them.
type person struct {
	ID        string    `bson:"_id"`
	SchoolID  string    `bson:"school_id"`
	Removed   bool      `bson:"removed"`
	EventTime time.Time `bson:"event_time"`
}

// coaching is one coaching relationship as the coaching service's events describe it.
type coaching struct {
	ID        string    `bson:"_id"`
	CoachID   string    `bson:"coach_id"`
	CoacheeID string    `bson:"coachee_id"`
	Ended     bool      `bson:"ended"`
	EventTime time.Time `bson:"event_time"`
}

// apply writes a read-model document unless what is stored comes from a newer event:
// an older event redelivered late must not undo a newer one.
func apply(ctx context.Context, c *mongo.Collection, id string, at time.Time, doc any) error {
	var cur struct {
		EventTime time.Time `bson:"event_time"`
	}
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
	case err != nil:
		return mongox.Err(err, c.Name())
	case cur.EventTime.After(at):
		return nil
	}
	_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return mongox.Err(err, c.Name())
}

// ApplyPerson records a person's school from the directory.
func (s *Store) ApplyPerson(ctx context.Context, tenant, id, school string, removed bool, at time.Time) error {
	c, err := s.coll(ctx, tenant, People)
	if err != nil {
		return err
	}
	return apply(ctx, c, id, at, person{ID: id, SchoolID: school, Removed: removed, EventTime: at})
}

// ApplyCoaching records a coaching relationship. Ended ones are kept: whoever coached
// the leader once may not assess them.
func (s *Store) ApplyCoaching(ctx context.Context, tenant, id, coach, coachee string, ended bool, at time.Time) error {
	c, err := s.coll(ctx, tenant, Coaches)
	if err != nil {
		return err
	}
	return apply(ctx, c, id, at, coaching{ID: id, CoachID: coach, CoacheeID: coachee, Ended: ended, EventTime: at})
}

// ApplyAssessor records an assessor (registered by hand or by a directory role event).
func (s *Store) ApplyAssessor(ctx context.Context, tenant string, a domain.Assessor) error {
	c, err := s.coll(ctx, tenant, Assessors)
	if err != nil {
		return err
	}
	return apply(ctx, c, a.PersonID, a.EventTime, a)
}

// Assessor reads one assessor (NotFound when not registered).
func (s *Store) Assessor(ctx context.Context, tenant, id string) (domain.Assessor, error) {
	var a domain.Assessor
	c, err := s.coll(ctx, tenant, Assessors)
	if err != nil {
		return a, err
	}
	err = c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&a)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return a, problem.New(problem.NotFound, "%s is not an assessor of this tenant", id)
	}
	if a.SchoolID == "" {
		a.SchoolID = s.schoolOf(ctx, tenant, id)
	}
	return a, mongox.Err(err, "assessor")
}

// Assessors lists the tenant's assessors, active ones first by id.
func (s *Store) Assessors(ctx context.Context, tenant string) ([]domain.Assessor, error) {
	c, err := s.coll(ctx, tenant, Assessors)
	if err != nil {
		return nil, err
	}
	res, err := c.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mongox.Err(err, "assessors")
	}
	out := []domain.Assessor{}
	if err := res.All(ctx, &out); err != nil {
		return nil, mongox.Err(err, "assessors")
	}
	for i := range out {
		if out[i].SchoolID == "" {
			out[i].SchoolID = s.schoolOf(ctx, tenant, out[i].PersonID)
		}
	}
	return out, nil
}

func (s *Store) schoolOf(ctx context.Context, tenant, id string) string {
	c, err := s.coll(ctx, tenant, People)
	if err != nil {
		return ""
	}
	var p person
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil || p.Removed {
		return ""
	}
	return p.SchoolID
}

// PersonFacts reads what conflicts of interest are judged on: the leader's school and
// everyone who ever coached them.
func (s *Store) PersonFacts(ctx context.Context, tenant, id string) (domain.PersonFacts, error) {
	f := domain.PersonFacts{PersonID: id, SchoolID: s.schoolOf(ctx, tenant, id)}
	c, err := s.coll(ctx, tenant, Coaches)
	if err != nil {
		return f, err
	}
	res, err := c.Find(ctx, bson.D{{Key: "coachee_id", Value: id}})
	if err != nil {
		return f, mongox.Err(err, "coaches")
	}
	var rels []coaching
	if err := res.All(ctx, &rels); err != nil {
		return f, mongox.Err(err, "coaches")
	}
	for _, r := range rels {
		f.Coaches = append(f.Coaches, r.CoachID)
	}
	return f, nil
}

// AssessorLoad counts the submitted portfolios awaiting each assessor.
func (s *Store) AssessorLoad(ctx context.Context, tenant string) (map[string]int, error) {
	es, err := s.Enrolments.All(ctx, tenant, bson.D{{Key: "status", Value: domain.StatusSubmitted}})
	out := map[string]int{}
	for _, e := range es {
		if e.AssessorID != "" {
			out[e.AssessorID]++
		}
	}
	return out, err
}

// NextStatusIndex allocates a credential's position in the tenant's status list. Indexes
// are never reused; a gap left by a failed issue is harmless.
func (s *Store) NextStatusIndex(ctx context.Context, tenant string) (int, error) {
	c, err := s.coll(ctx, tenant, Counters)
	if err != nil {
		return 0, err
	}
	var doc struct {
		N int `bson:"n"`
	}
	err = c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "status_index"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
	if err != nil {
		return 0, mongox.Err(err, "status list counter")
	}
	if doc.N > domain.StatusListSize {
		return 0, problem.New(problem.Conflict, "the tenant's status list is full (%d credentials)", domain.StatusListSize)
	}
	return doc.N - 1, nil
}

// CredentialOf reads the credential issued for an enrolment's submission, if any.
func (s *Store) CredentialOf(ctx context.Context, tenant, enrolmentKey string) (Credential, bool, error) {
	cs, err := s.Credentials.All(ctx, tenant, bson.D{{Key: "enrolment_key", Value: enrolmentKey}})
	if err != nil || len(cs) == 0 {
		return Credential{}, false, err
	}
	return cs[0], true, nil
}

// public is a tenant's collection as the public routes read it: anyone may name any
// tenant of the profiles there, so reading must not create its database and indexes the
// way first use through Tenants.DB does. A tenant never used reads as empty.
func (s *Store) public(tenant, name string) *mongo.Collection {
	return s.Tenants.Client().Database(mongox.DBName(Service, tenant)).Collection(name)
}

// RevokedIndexes lists the status-list positions of the tenant's revoked credentials.
func (s *Store) RevokedIndexes(ctx context.Context, tenant string) ([]int, error) {
	c := s.public(tenant, Credentials)
	res, err := c.Find(ctx, bson.D{{Key: "revoked", Value: true}}, options.Find().SetProjection(bson.D{{Key: "status_index", Value: 1}}))
	if err != nil {
		return nil, mongox.Err(err, "credentials")
	}
	var rows []struct {
		Index int `bson:"status_index"`
	}
	if err := res.All(ctx, &rows); err != nil {
		return nil, mongox.Err(err, "credentials")
	}
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = r.Index
	}
	return out, nil
}

// RevokedAt reports whether the credential at a status-list position is revoked; known is
// false when the credential named does not hold that position. The read is by the
// credential's id (the only lookup FerretDB answers from an index) and checked against the
// position: the answer is the bit the published status list carries for it.
func (s *Store) RevokedAt(ctx context.Context, tenant string, index int, credentialID string) (revoked, known bool, err error) {
	c := s.public(tenant, Credentials)
	var row struct {
		Revoked bool `bson:"revoked"`
		Index   int  `bson:"status_index"`
	}
	err = c.FindOne(ctx, bson.D{{Key: "_id", Value: credentialID}},
		options.FindOne().SetProjection(bson.D{{Key: "revoked", Value: 1}, {Key: "status_index", Value: 1}})).Decode(&row)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && row.Index != index) {
		return false, false, nil
	}
	if err != nil {
		return false, false, mongox.Err(err, "credentials")
	}
	return row.Revoked, true, nil
}

func (s *Store) bucket(ctx context.Context, tenant string) (*mongo.GridFSBucket, error) {
	db, err := s.Tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return db.GridFSBucket(options.GridFSBucket().SetName(Bucket)), nil
}

// PutFile stores an uploaded file in GridFS and returns its id.
func (s *Store) PutFile(ctx context.Context, tenant, name, contentType string, r io.Reader) (string, error) {
	b, err := s.bucket(ctx, tenant)
	if err != nil {
		return "", err
	}
	id, err := b.UploadFromStream(ctx, name, r, options.GridFSUpload().SetMetadata(bson.D{{Key: "content_type", Value: contentType}}))
	if err != nil {
		return "", mongox.Err(err, "upload")
	}
	return id.Hex(), nil
}

// DeleteFile removes a stored file (an upload whose evidence could not be written).
func (s *Store) DeleteFile(ctx context.Context, tenant, id string) error {
	b, err := s.bucket(ctx, tenant)
	if err != nil {
		return err
	}
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return err
	}
	return mongox.Err(b.Delete(ctx, oid), "upload")
}

// OpenFile streams a stored file.
func (s *Store) OpenFile(ctx context.Context, tenant, id string) (io.ReadCloser, error) {
	b, err := s.bucket(ctx, tenant)
	if err != nil {
		return nil, err
	}
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return nil, problem.New(problem.NotFound, "file not found")
	}
	st, err := b.OpenDownloadStream(ctx, oid)
	if err != nil {
		return nil, mongox.Err(err, "file")
	}
	return st, nil
}
