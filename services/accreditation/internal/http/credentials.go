package http

import (
	"context"
	"io"
	"mime"
	nethttp "net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
	"github.com/l4l-platform/l4l/services/accreditation/internal/events"
	"github.com/l4l-platform/l4l/services/accreditation/internal/store"
)

// credentialView is a credential record as the API shows it.
type credentialView struct {
	store.Credential
	MediaType string `json:"media_type"`
}

// award issues the credential of a passed (and, where required, moderated) portfolio.
// The credential is written first (its issued event with it), keyed by the enrolment's
// submission, then the enrolment is marked awarded: a retry after a failure in between
// finds the credential and finishes, and never issues a second one.
func (a *API) award(c *gin.Context) error {
	ctx, t, p := c.Request.Context(), tenantOf(c), programmeOf(c)
	if auth.From(c).HasRole(assessor) && !auth.From(c).HasRole("admin") {
		if _, err := a.registeredAssessor(c); err != nil {
			return err
		}
	}
	e, _, err := a.Store.Enrolments.Get(ctx, t, c.Param("id"))
	if err != nil {
		return err
	}
	check := e
	if err := check.Award("check"); err != nil {
		return err
	}
	key := e.ID + "/" + strconv.Itoa(e.Current().Number)
	cred, found, err := a.Store.CredentialOf(ctx, t, key)
	if err != nil {
		return err
	}
	if !found {
		if cred, err = a.issue(ctx, t, p, e, key); err != nil {
			return err
		}
	}
	if _, _, err := a.Store.Enrolments.Update(ctx, t, e.ID, 0, func(x *domain.Enrolment) ([]mongox.Event, error) {
		return nil, x.Award(cred.ID)
	}); err != nil {
		return err
	}
	return web.Created(c, cred.ID, credentialView{Credential: cred, MediaType: domain.MediaType})
}

func (a *API) issue(ctx context.Context, t string, p domain.Programme, e domain.Enrolment, key string) (store.Credential, error) {
	index, err := a.Store.NextStatusIndex(ctx, t)
	if err != nil {
		return store.Credential{}, err
	}
	now := a.Now()
	cred := store.Credential{ID: events.NewID(), EnrolmentID: e.ID, EnrolmentKey: key, PersonID: e.PersonID, StatusIndex: index, IssuedAt: now}
	vc := domain.Credential(a.Signer, p, domain.Award{CredentialID: cred.ID, Tenant: t, PersonID: e.PersonID, EnrolmentID: e.ID, StatusIndex: index, IssuedAt: now})
	if cred.JWT, err = domain.Sign(a.Signer, vc); err != nil {
		return cred, err
	}
	ev, err := events.ForCredential(events.CredentialIssued, t, cred)
	if err != nil {
		return cred, err
	}
	if err := a.Store.Credentials.Insert(ctx, t, cred.ID, cred, ev); err != nil {
		if problem.Is(err, problem.Conflict) { // a concurrent award of the same submission won
			if existing, found, err2 := a.Store.CredentialOf(ctx, t, key); err2 == nil && found {
				return existing, nil
			}
		}
		return cred, err
	}
	return cred, nil
}

func (a *API) getCredential(c *gin.Context) error {
	cred, ver, err := a.Store.Credentials.Get(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if !reader(c, cred.PersonID) {
		return notFound("credential")
	}
	c.Header("ETag", web.ETag(ver))
	if accepts(c, domain.MediaType) {
		c.Data(nethttp.StatusOK, domain.MediaType, []byte(cred.JWT))
		return nil
	}
	return web.JSON(c, nethttp.StatusOK, credentialView{Credential: cred, MediaType: domain.MediaType})
}

// RevokeReasons are why an issuer revokes a credential.
var RevokeReasons = []string{"issued_in_error", "misconduct", "assessment_overturned", "other"}

type revokeBody struct {
	Reason string `json:"reason"`
}

func (a *API) revoke(c *gin.Context) error {
	var b revokeBody
	if err := web.Decode(c, &b); err != nil {
		return err
	}
	valid := false
	for _, r := range RevokeReasons {
		valid = valid || r == b.Reason
	}
	if !valid {
		return problem.Fields("the revocation is not valid", problem.Field("reason", "one of %s", strings.Join(RevokeReasons, ", ")))
	}
	if auth.From(c).HasRole(assessor) && !auth.From(c).HasRole("admin") {
		if _, err := a.registeredAssessor(c); err != nil {
			return err
		}
	}
	t := tenantOf(c)
	by := auth.From(c).Subject
	cred, ver, err := a.Store.Credentials.Update(c.Request.Context(), t, c.Param("id"), 0, func(x *store.Credential) ([]mongox.Event, error) {
		if x.Revoked {
			return nil, problem.New(problem.Conflict, "the credential was revoked already (%s)", x.RevokeReason)
		}
		now := a.Now()
		x.Revoked, x.RevokedAt, x.RevokeReason, x.RevokedBy = true, &now, b.Reason, by
		ev, err := events.ForCredential(events.CredentialRevoked, t, *x)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, credentialView{Credential: cred, MediaType: domain.MediaType})
}

func accepts(c *gin.Context, mediaType string) bool {
	for _, part := range strings.Split(c.GetHeader("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == mediaType {
			return true
		}
	}
	return false
}

// Public routes.

func (a *API) didDocument(c *gin.Context) error {
	c.Header("Cache-Control", "public, max-age=300")
	return web.JSON(c, nethttp.StatusOK, domain.DIDDocument(a.Signer.DID, a.publicKey()))
}

// statusList serves a tenant's revocation list as a signed BitstringStatusListCredential.
func (a *API) statusList(c *gin.Context) error {
	t := c.Param("tenant")
	if _, _, ok := a.Profiles.Tenant(t); !ok {
		return notFound("status list")
	}
	if _, ok := a.Programmes.For(t); !ok {
		return notFound("status list")
	}
	revoked, err := a.Store.RevokedIndexes(c.Request.Context(), t)
	if err != nil {
		return err
	}
	cred, err := domain.StatusListCredential(a.Signer, t, revoked, a.Now())
	if err != nil {
		return err
	}
	signed, err := domain.SignStatusList(a.Signer, cred)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(nethttp.StatusOK, domain.MediaType, []byte(signed))
	return nil
}

type verifyBody struct {
	Credential string `json:"credential"`
}

// verify answers whether a credential is good, with each check, to anyone. The body is
// the credential itself (Content-Type application/vc+jwt) or {"credential": "<vc+jwt>"}.
func (a *API) verify(c *gin.Context) error {
	var raw string
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch mt {
	case domain.MediaType, "text/plain":
		b, err := io.ReadAll(io.LimitReader(c.Request.Body, 64<<10))
		if err != nil {
			return problem.Wrap(problem.Malformed, err, "the body could not be read")
		}
		raw = string(b)
	case "application/json", "":
		var b verifyBody
		if err := web.Decode(c, &b); err != nil {
			return err
		}
		raw = b.Credential
	default:
		return problem.New(problem.UnsupportedMediaType, "send the credential as application/vc+jwt, or as JSON {\"credential\": \"...\"}")
	}
	if strings.TrimSpace(raw) == "" {
		return problem.Fields("nothing to verify", problem.Field("credential", "required: the credential as issued (a compact JWS)"))
	}
	ctx := c.Request.Context()
	prefix := domain.StatusListURL(a.Signer.BaseURL, "")
	v, err := domain.Verify(a.Signer.DID, a.publicKey(), raw, a.Now(), func(listURL string, index int, credentialID string) (bool, bool, error) {
		tenant, ok := strings.CutPrefix(listURL, prefix)
		if !ok {
			return false, false, nil
		}
		if _, _, known := a.Profiles.Tenant(tenant); !known {
			return false, false, nil
		}
		return a.Store.RevokedAt(ctx, tenant, index, credentialID)
	})
	if err != nil {
		return err
	}
	if a.Verifications != nil {
		a.Verifications.WithLabelValues(v.Result).Inc()
	}
	return web.JSON(c, nethttp.StatusOK, v)
}
