package service

import (
	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/web"
)

// Tenant is the tenant a request is about, with its country profile.
type Tenant struct {
	Code    string
	Profile *profile.Index
}

const tenantKey = "l4l.tenant"

// TenantMiddleware guards every /v1/tenants/{tenant} route the same way in every service:
// the bearer token must cover the tenant (403), the tenant must be a tenant-level unit of
// a loaded country profile (404), and its database is prepared before the handler runs.
func TenantMiddleware(profiles *profile.Registry, tenants *mongox.Tenants) gin.HandlerFunc {
	return func(c *gin.Context) {
		code := c.Param("tenant")
		if err := auth.Tenant(c, code); err != nil {
			web.Fail(c, err)
			return
		}
		idx, _, ok := profiles.Tenant(code)
		if !ok {
			web.Fail(c, unknownTenant(code))
			return
		}
		if _, err := tenants.DB(c.Request.Context(), code); err != nil {
			web.Fail(c, err)
			return
		}
		c.Set(tenantKey, Tenant{Code: code, Profile: idx})
		c.Next()
	}
}

func unknownTenant(code string) error {
	return problem.New(problem.NotFound, "no tenant %q: tenants are the %s codes of the country profiles (rw-gasabo, ke-nairobi, ...)", code, "district or county")
}

// TenantOf is the tenant TenantMiddleware resolved.
func TenantOf(c *gin.Context) Tenant {
	t, _ := c.Get(tenantKey)
	return t.(Tenant)
}

// Idempotency is idempotency.Middleware with its records in the request tenant's database.
func Idempotency(tenants *mongox.Tenants) gin.HandlerFunc {
	return idempotency.Middleware(func(c *gin.Context) (*mongo.Collection, error) {
		db, err := tenants.DB(c.Request.Context(), c.Param("tenant"))
		if err != nil {
			return nil, err
		}
		return db.Collection(idempotency.Collection), nil
	})
}
