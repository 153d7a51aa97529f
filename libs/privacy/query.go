package privacy

import (
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
)

// AuditRoute is where each service serves its part of a tenant's trail. The service's
// name is in the path so that one Ingress can route every service's trail.
func AuditRoute(service string) string { return "/privacy/" + service + "/audit" }

// ReaderRoles may read a tenant's audit trail: its data-protection officer and the
// platform's administrators.
var ReaderRoles = []string{"dpo", "admin"}

// ListHandler answers GET …/privacy/<service>/audit: the tenant's entries, oldest first,
// filtered by subject, route template, resource id and time, cursor-paginated.
func (t *Trail) ListHandler() gin.HandlerFunc {
	return web.Handle(func(c *gin.Context) error {
		limit, err := web.Limit(c, 50, 500)
		if err != nil {
			return err
		}
		f := bson.D{}
		for _, q := range []struct{ param, field string }{{"subject", "subject"}, {"route", "route"}, {"resource", "resource_ids"}, {"outcome", "outcome"}} {
			if v := c.Query(q.param); v != "" {
				f = append(f, bson.E{Key: q.field, Value: v})
			}
		}
		var bad []problem.FieldError
		for _, q := range []struct{ param, op string }{{"from", "$gte"}, {"to", "$lt"}} {
			v := c.Query(q.param)
			if v == "" {
				continue
			}
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				bad = append(bad, problem.Field(q.param, "must be an RFC 3339 time like 2027-01-31T00:00:00Z"))
				continue
			}
			f = append(f, bson.E{Key: "time", Value: bson.D{{Key: q.op, Value: at.UTC()}}})
		}
		if len(bad) > 0 {
			return problem.Fields("invalid query parameter", bad...)
		}
		// What was answered a moment ago must be visible: write what is buffered first.
		t.Flush(c.Request.Context())
		tenant, _ := t.resolve(c)
		db, err := t.tenants.DB(c.Request.Context(), tenant)
		if err != nil {
			return err
		}
		items, next, err := mongox.Page[Entry](c.Request.Context(), db.Collection(AuditCollection), f, c.Query("cursor"), limit)
		if err != nil {
			return err
		}
		return web.JSON(c, 200, web.Page[Entry]{Items: items, NextCursor: next})
	})
}

// RetentionRoute is where each service serves its retention reports for a tenant.
func RetentionRoute(service string) string { return "/privacy/" + service + "/retention-runs" }

// ListRunsHandler answers GET …/privacy/<service>/retention-runs: the tenant's reports,
// oldest first, from a time if asked, cursor-paginated.
func (r *Retention) ListRunsHandler(resolve func(*gin.Context) (string, bool)) gin.HandlerFunc {
	return web.Handle(func(c *gin.Context) error {
		limit, err := web.Limit(c, 50, 500)
		if err != nil {
			return err
		}
		f := bson.D{}
		if v := c.Query("from"); v != "" {
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return problem.Fields("invalid query parameter", problem.Field("from", "must be an RFC 3339 time like 2027-01-31T00:00:00Z"))
			}
			f = append(f, bson.E{Key: "started_at", Value: bson.D{{Key: "$gte", Value: at.UTC()}}})
		}
		tenant, _ := resolve(c)
		db, err := r.tenants.DB(c.Request.Context(), tenant)
		if err != nil {
			return err
		}
		items, next, err := mongox.Page[RetentionRun](c.Request.Context(), db.Collection(RetentionRunsCollection), f, c.Query("cursor"), limit)
		if err != nil {
			return err
		}
		return web.JSON(c, 200, web.Page[RetentionRun]{Items: items, NextCursor: next})
	})
}

// RunNowHandler answers POST …/privacy/<service>/retention-runs: the job runs now in the
// tenant (after a profile shortened a lifetime, or to check before an inspection) and
// answers its report. Running twice removes nothing more, so no Idempotency-Key is needed.
func (r *Retention) RunNowHandler(resolve func(*gin.Context) (string, bool)) gin.HandlerFunc {
	return web.Handle(func(c *gin.Context) error {
		tenant, _ := resolve(c)
		run, err := r.RunTenant(c.Request.Context(), tenant, TriggerRequest)
		if err != nil && run.Outcome == RunOK {
			return err // the database could not be reached or the report not saved
		}
		// A rule that failed is in the report (outcome "failed"), which is the answer.
		return web.JSON(c, 201, run)
	})
}
