package directory_test

import (
	"context"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

func publish(t *testing.T, env *servicetest.Env, typ, subject string, data any) {
	t.Helper()
	e, err := events.New("/l4l/recruitment", typ, "rw-gasabo", subject, data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := events.ToMessage(events.Topic("recruitment"), e)
	if err != nil {
		t.Fatal(err)
	}
	w := events.NewWriter(env.Stack.KafkaBrokers)
	defer w.Close()
	// The same message twice: a redelivery must change nothing.
	if err := w.WriteMessages(context.Background(), m, m); err != nil {
		t.Fatal(err)
	}
}

// An appointment made by recruitment shows as a role assignment, once; an exit ends it.
func TestAppointmentsBecomeRoleAssignments(t *testing.T) {
	env, tok := start(t)
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/people", Token: tok,
		Body: map[string]string{"staff_id": "RW-HT-9", "given_name": "Grace", "family_name": "Ishimwe"}})
	var p struct{ ID string }
	r.JSON(t, &p)
	appointment := "01a20880-0000-7000-8000-000000000001"
	publish(t, env, "org.l4l.recruitment.leader.appointed.v1", appointment, map[string]string{
		"appointment_id": appointment, "campaign_id": "c1", "person_id": p.ID, "role": "lll", "unit": "rw-gasabo-remera", "start_date": "2027-02-01"})

	type assignment struct {
		ID, Role, Unit, Source string
		EndDate                string `json:"end_date"`
	}
	roles := func() []assignment {
		var pg page[assignment]
		env.Do(servicetest.Request{Method: "GET", Path: base + "/role-assignments?person_id=" + p.ID, Token: tok}).JSON(t, &pg)
		return pg.Items
	}
	servicetest.Eventually(t, 20*time.Second, "the LLL role assignment", func() bool { return len(roles()) > 0 })
	time.Sleep(300 * time.Millisecond) // let the redelivered copy be handled too
	got := roles()
	if len(got) != 1 || got[0].ID != appointment || got[0].Role != "lll" || got[0].Unit != "rw-gasabo-remera" || got[0].Source != "recruitment" {
		t.Fatalf("assignments %+v", got)
	}

	publish(t, env, "org.l4l.recruitment.leader.exited.v1", appointment, map[string]string{
		"appointment_id": appointment, "person_id": p.ID, "role": "lll", "unit": "rw-gasabo-remera", "end_date": "2027-08-31", "reason": "retired"})
	servicetest.Eventually(t, 20*time.Second, "the end of the assignment", func() bool {
		got := roles()
		return len(got) == 1 && got[0].EndDate == "2027-08-31"
	})
}
