package service

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/tenancy"
	"github.com/l4l-platform/l4l/libs/web"
)

// TenancyGuard decides, for every /v1 route with a {tenant} parameter of every service,
// whether the tenant is served. Start installs it on /v1 after token verification, so a
// service needs no code of its own for it:
//
//   - the token must cover the tenant first (403): a caller from elsewhere learns nothing
//     about another tenant's state;
//   - the tenancy topic's latest event for the tenant decides: provisioned → served;
//     suspended → reads (GET, HEAD, OPTIONS) served, writes 403 with a problem saying how
//     to resume; deprovisioned → 404;
//   - a tenant the topic never announced is served if configured (L4L_TENANTS, or "*" for
//     every tenant of the loaded profiles), else 404; while the topic is still being read
//     after a start, 503 (retry) instead, as its event may simply not have been read yet.
//
// Consumers are not guarded: a suspended tenant's read models keep following other
// services' events, so they are whole when it is resumed.
func TenancyGuard(w *tenancy.Watcher, profiles *profile.Registry, configured []string) gin.HandlerFunc {
	every := slices.Contains(configured, config.EveryTenant)
	listed := map[string]bool{}
	for _, t := range configured {
		listed[t] = true
	}
	isConfigured := func(code string) bool {
		if listed[code] {
			return true
		}
		if !every {
			return false
		}
		_, _, ok := profiles.Tenant(code)
		return ok
	}
	return func(c *gin.Context) {
		code := c.Param("tenant")
		if code == "" {
			c.Next()
			return
		}
		if err := auth.Tenant(c, code); err != nil {
			web.Fail(c, err)
			return
		}
		if err := holdsAProgrammeRole(c, profiles, code); err != nil {
			web.Fail(c, err)
			return
		}
		if s, ok := w.Lookup(code); ok {
			switch s.State {
			case tenancy.Provisioned:
				serve(c)
			case tenancy.Suspended:
				if isRead(c.Request.Method) {
					serve(c)
					return
				}
				web.Fail(c, problem.New(problem.Forbidden,
					"tenant %s is suspended: its data can be read but not changed until it is resumed "+
						"(kubectl patch districttenant %s --type merge -p '{\"spec\":{\"suspended\":false}}', or without Kubernetes: l4lctl tenant resume %s)",
					code, code, code))
			default:
				web.Fail(c, notServed(profiles, code))
			}
			return
		}
		switch {
		case isConfigured(code):
			serve(c)
		case !w.IsCaughtUp():
			web.Fail(c, problem.New(problem.Unavailable,
				"this replica has not finished reading which tenants it serves since it started; retry shortly"))
		default:
			web.Fail(c, notServed(profiles, code))
		}
	}
}

const servedKey = "l4l.tenant.served"

// serve lets the request through to a tenant this replica serves.
func serve(c *gin.Context) {
	c.Set(servedKey, c.Param("tenant"))
	c.Next()
}

// servedTenant is the tenant TenancyGuard let the request through to (the audit trail
// records requests that reached a tenant's data, in that tenant's trail).
func servedTenant(c *gin.Context) (string, bool) {
	t := c.GetString(servedKey)
	return t, t != ""
}

// PlatformRoles are the roles every tenant knows besides its country profile's: the
// platform's administrators and the tenant's data-protection officer.
var PlatformRoles = []string{"admin", "dpo"}

// holdsAProgrammeRole refuses a token none of whose roles means anything in the tenant's
// programme: an identity provider mapping a group to a misspelt or foreign role must not
// open the routes that every role of the programme may read.
func holdsAProgrammeRole(c *gin.Context, profiles *profile.Registry, code string) error {
	idx, _, ok := profiles.Tenant(code)
	if !ok {
		return nil // notServed answers for unknown tenants
	}
	p := auth.From(c)
	for _, r := range p.Roles {
		if _, known := idx.Role(r); known || slices.Contains(PlatformRoles, r) {
			return nil
		}
	}
	return problem.New(problem.Forbidden, "none of the token's roles (%s) is a role of %s's programme (%s) or of the platform (%s): ask your identity provider's administrator to map your group to one",
		strings.Join(p.Roles, ", "), idx.Spec().Name, strings.Join(roleKeys(idx), ", "), strings.Join(PlatformRoles, ", "))
}

func roleKeys(idx *profile.Index) []string {
	var keys []string
	for _, r := range idx.Spec().Roles {
		keys = append(keys, r.Key)
	}
	return keys
}

func notServed(profiles *profile.Registry, code string) error {
	if _, _, ok := profiles.Tenant(code); !ok {
		return unknownTenant(code)
	}
	return problem.New(problem.NotFound,
		"tenant %s is not served here: it has not been provisioned (a DistrictTenant, or l4lctl tenant create %s) or it was deprovisioned",
		code, code)
}

func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
