package coaching_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/coaching"
)

const (
	tenant  = "rw-gasabo"
	base    = "/v1/tenants/" + tenant
	remera  = "rw-gasabo-remera"
	kacyiru = "rw-gasabo-kacyiru"
)

type relationship struct {
	ID        string   `json:"id"`
	Link      string   `json:"link"`
	CoachID   string   `json:"coach_id"`
	CoachRole string   `json:"coach_role"`
	CoacheeID string   `json:"coachee_id"`
	Unit      string   `json:"unit"`
	Units     []string `json:"units"`
	Source    string   `json:"source"`
	Status    string   `json:"status"`
	EndReason string   `json:"end_reason"`
	StartDate string   `json:"start_date"`
	Override  *struct{ By, Reason string }
}

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// district drives the directory side: it publishes the directory's events on the real
// broker (the directory itself is not running) and remembers what it published.
type district struct {
	t     *testing.T
	env   *servicetest.Env
	w     *kafka.Writer
	n     int
	roles map[string]roleData
}

type roleData struct {
	AssignmentID string `json:"assignment_id"`
	PersonID     string `json:"person_id"`
	Role         string `json:"role"`
	Unit         string `json:"unit"`
	StartDate    string `json:"start_date"`
	EndDate      string `json:"end_date,omitempty"`
	Source       string `json:"source"`
}

func start(t *testing.T) (*servicetest.Env, *district) {
	t.Helper()
	env := servicetest.Start(t, coaching.Definition)
	w := events.NewWriter(env.Stack.KafkaBrokers)
	t.Cleanup(func() { _ = w.Close() })
	return env, &district{t: t, env: env, w: w, roles: map[string]roleData{}}
}

func (d *district) publish(typ, subject string, data any) {
	d.t.Helper()
	e, err := events.New("/l4l/directory", typ, tenant, subject, data)
	if err != nil {
		d.t.Fatal(err)
	}
	m, err := events.ToMessage(events.Topic("directory"), e)
	if err != nil {
		d.t.Fatal(err)
	}
	if err := d.w.WriteMessages(context.Background(), m); err != nil {
		d.t.Fatal(err)
	}
}

func (d *district) school(id, sector string) {
	d.publish("org.l4l.directory.school.created.v1", id, map[string]string{"school_id": id, "code": id, "unit": sector, "ownership": "public", "status": "open"})
}

func (d *district) person(id, school string) {
	d.publish("org.l4l.directory.person.created.v1", id, map[string]string{"person_id": id, "school_id": school})
}

// assign gives person a role in unit and returns the assignment id.
func (d *district) assign(person, role, unit string) string {
	d.n++
	r := roleData{AssignmentID: fmt.Sprintf("asg-%03d", d.n), PersonID: person, Role: role, Unit: unit, StartDate: "2025-01-06", Source: "manual"}
	d.roles[r.AssignmentID] = r
	d.publish("org.l4l.directory.role.assigned.v1", r.AssignmentID, r)
	return r.AssignmentID
}

// end ends an assignment on date (an exit: the directory sets the end date).
func (d *district) end(assignment, date string) {
	r := d.roles[assignment]
	r.EndDate, r.Source = date, "recruitment"
	d.roles[assignment] = r
	d.publish("org.l4l.directory.role.updated.v1", assignment, r)
}

func token(env *servicetest.Env, subject string, roles []string, unit string) string {
	tok, err := env.Issuer.Token(subject, roles, "rw", tenant, unit, time.Hour)
	if err != nil {
		panic(err)
	}
	return tok
}

func deoToken(env *servicetest.Env) string { return token(env, "deo-1", []string{"deo"}, "") }

func active(t *testing.T, env *servicetest.Env) []relationship {
	t.Helper()
	r := env.Do(servicetest.Request{Method: "GET", Path: base + "/relationships?status=active&limit=500", Token: deoToken(env)})
	if r.Status != http.StatusOK {
		t.Fatalf("list relationships: %d %s", r.Status, r.Body)
	}
	var p page[relationship]
	r.JSON(t, &p)
	return p.Items
}

// waitFor waits until the active relationships satisfy cond, and returns them.
func waitFor(t *testing.T, env *servicetest.Env, what string, cond func([]relationship) bool) []relationship {
	t.Helper()
	var rels []relationship
	servicetest.Eventually(t, 30*time.Second, what, func() bool {
		rels = active(t, env)
		return cond(rels)
	})
	return rels
}

// coachOf maps coachee → coach of the active relationships of a link.
func coachOf(rels []relationship, link string) map[string]string {
	out := map[string]string{}
	for _, r := range rels {
		if r.Link == link {
			out[r.CoacheeID] = r.CoachID
		}
	}
	return out
}

func loads(rels []relationship, link string) map[string]int {
	out := map[string]int{}
	for _, r := range rels {
		if r.Link == link {
			out[r.CoachID]++
		}
	}
	return out
}

func today() string { return time.Now().In(kigali).Format("2006-01-02") }

func daysAgo(n int) string { return time.Now().In(kigali).AddDate(0, 0, -n).Format("2006-01-02") }

var kigali, _ = time.LoadLocation("Africa/Kigali")
