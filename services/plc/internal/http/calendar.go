package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	nethttp "net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	"github.com/l4l-platform/l4l/services/plc/internal/ical"
	"github.com/l4l-platform/l4l/services/plc/internal/store"
)

const calendarType = "text/calendar; charset=utf-8"

// eventOf is a session as a calendar event. The UID is the session id, so a reschedule
// replaces the event in clients instead of adding one.
func eventOf(t domain.Tenant, g domain.Group, s domain.Session) ical.Event {
	name := g.Kind
	if p, ok := t.Profile.PLC(g.Kind); ok {
		name = p.Name
	}
	if u, ok := t.Profile.Unit(g.Unit); ok {
		name += ", " + u.Name
	}
	e := ical.Event{UID: s.ID + "@plc.l4l", Summary: name, Start: s.Start, End: s.End, Sequence: s.Sequence,
		Status: ical.StatusTentative, Modified: s.UpdatedAt}
	switch s.Status {
	case domain.Confirmed, domain.Held:
		e.Status = ical.StatusConfirmed
	case domain.Cancelled, domain.NotHeld:
		e.Status = ical.StatusCancelled
	}
	switch {
	case s.Mode == domain.Online:
		e.Location = "Online"
	case s.HostSchoolID != "":
		e.Location = "Host school " + s.HostSchoolID
	}
	e.Description = "PLC session " + s.ID + " (" + s.Slot + ")"
	return e
}

func (a *API) writeFeed(c *gin.Context, t domain.Tenant, name string, groups map[string]domain.Group, sessions []domain.Session) error {
	domain.SortSessions(sessions)
	evs := make([]ical.Event, 0, len(sessions))
	for _, s := range sessions {
		evs = append(evs, eventOf(t, groups[s.GroupID], s))
	}
	var b bytes.Buffer
	if err := ical.Write(&b, name, t.Profile.Location(), evs); err != nil {
		return err
	}
	c.Data(nethttp.StatusOK, calendarType, b.Bytes())
	return nil
}

func (a *API) groupFeed(ctx context.Context, c *gin.Context, t domain.Tenant, g domain.Group) error {
	sessions, err := a.Store.AllSessions(ctx, t.Code, bson.D{{Key: "group_id", Value: g.ID}})
	if err != nil {
		return err
	}
	return a.writeFeed(c, t, eventOf(t, g, domain.Session{}).Summary, map[string]domain.Group{g.ID: g}, sessions)
}

func (a *API) personFeed(ctx context.Context, c *gin.Context, t domain.Tenant, person string) error {
	all, err := a.Store.AllGroups(ctx, t.Code)
	if err != nil {
		return err
	}
	groups := map[string]domain.Group{}
	var ids []string
	for _, g := range all {
		for _, m := range g.Members {
			if m.PersonID == person {
				groups[g.ID] = g
				ids = append(ids, g.ID)
				break
			}
		}
	}
	var mine []domain.Session
	if len(ids) > 0 {
		sessions, err := a.Store.AllSessions(ctx, t.Code, bson.D{{Key: "group_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return err
		}
		for _, s := range sessions {
			if expects(groups[s.GroupID], s, person) {
				mine = append(mine, s)
			}
		}
	}
	return a.writeFeed(c, t, "PLC sessions", groups, mine)
}

func (a *API) groupCalendar(c *gin.Context) error {
	g, _, err := a.group(c, c.Param("id"))
	if err != nil {
		return err
	}
	return a.groupFeed(c.Request.Context(), c, tenantOf(c), g)
}

func (a *API) personCalendar(c *gin.Context) error {
	if _, _, err := a.personGroups(c); err != nil {
		return err
	}
	return a.personFeed(c.Request.Context(), c, tenantOf(c), c.Param("person"))
}

type feedRequest struct {
	GroupID  string `json:"group_id"`
	PersonID string `json:"person_id"`
}

type feedCreated struct {
	store.Feed
	// URL is the secret address to give a calendar client; it is shown only once.
	URL string `json:"url"`
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// createFeed makes a secret calendar URL for a group or a person: calendar clients cannot
// send bearer tokens, so the URL is the credential (revoked by deleting it).
func (a *API) createFeed(c *gin.Context) error {
	var req feedRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	t := tenantOf(c)
	switch {
	case (req.GroupID == "") == (req.PersonID == ""):
		return problem.Fields("the subscription has invalid fields", problem.Field("group_id", "give exactly one of group_id and person_id"))
	case req.GroupID != "":
		if _, _, err := a.group(c, req.GroupID); err != nil {
			if problem.Is(err, problem.NotFound) {
				return problem.Fields("the subscription has invalid fields", problem.Field("group_id", "no group %q", req.GroupID))
			}
			return err
		}
	default:
		c.Params = append(c.Params, gin.Param{Key: "person", Value: req.PersonID})
		groups, _, err := a.personGroups(c)
		if err != nil {
			return err
		}
		if len(groups) == 0 {
			return problem.Fields("the subscription has invalid fields", problem.Field("person_id", "%q is in no PLC of %s", req.PersonID, t.Code))
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	token := t.Code + "." + base64.RawURLEncoding.EncodeToString(secret)
	f := store.Feed{ID: domain.NewID(), TokenHash: hashToken(token), GroupID: req.GroupID, PersonID: req.PersonID,
		CreatedBy: auth.From(c).Subject, CreatedAt: a.Now()}
	if err := a.Store.Feeds.Insert(c.Request.Context(), t.Code, f.ID, f); err != nil {
		return err
	}
	scheme := "http"
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	web.Location(c, "%s/%s", c.Request.URL.Path, f.ID)
	c.Header("ETag", web.ETag(1))
	return web.JSON(c, nethttp.StatusCreated, feedCreated{Feed: f, URL: scheme + "://" + c.Request.Host + "/calendar/" + token + ".ics"})
}

func (a *API) deleteFeed(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	f, _, err := a.Store.Feeds.Get(c.Request.Context(), t.Code, c.Param("id"))
	if err != nil {
		return err
	}
	if p := auth.From(c); f.CreatedBy != p.Subject && !p.HasRole(planners...) {
		return problem.New(problem.Forbidden, "only who made a subscription, or a planner, may revoke it")
	}
	if err := a.Store.Feeds.Delete(c.Request.Context(), t.Code, f.ID, ifMatch, func(store.Feed) ([]mongox.Event, error) { return nil, nil }); err != nil {
		return err
	}
	c.Status(nethttp.StatusNoContent)
	return nil
}

// feed serves a subscription's calendar to a client holding its secret URL.
func (a *API) feed(c *gin.Context) error {
	token := strings.TrimSuffix(c.Param("token"), ".ics")
	notFound := problem.New(problem.NotFound, "no such calendar; it may have been revoked")
	tenant, _, ok := strings.Cut(token, ".")
	if !ok {
		return notFound
	}
	// The tenant is checked against the profiles before its database is opened, so a
	// made-up token cannot create databases.
	x, _, ok := a.Profiles.Tenant(tenant)
	if !ok {
		return notFound
	}
	t := domain.Tenant{Code: tenant, Profile: x}
	feeds, err := a.Store.Feeds.All(c.Request.Context(), t.Code, bson.D{{Key: "token_hash", Value: hashToken(token)}})
	if err != nil {
		return err
	}
	if len(feeds) != 1 {
		return notFound
	}
	f := feeds[0]
	if f.GroupID != "" {
		g, _, err := a.Store.Groups.Get(c.Request.Context(), t.Code, f.GroupID)
		if err != nil {
			return err
		}
		return a.groupFeed(c.Request.Context(), c, t, g)
	}
	return a.personFeed(c.Request.Context(), c, t, f.PersonID)
}
