package controller

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/mongox"
)

// MarkerCollection holds one document per tenant database, written by the operator: MongoDB
// creates a database on its first write, and services' mongox.Tenants.Existing then finds
// it. The services create their own collections and indexes on first use.
const MarkerCollection = "tenancy"

// Databases provisions and drops tenant databases.
type Databases struct {
	Client *mongo.Client
}

// Names are the tenant's databases, one per service.
func (Databases) Names(services []string, tenant string) []string {
	out := make([]string, 0, len(services))
	for _, s := range services {
		out = append(out, mongox.DBName(s, tenant))
	}
	return out
}

// Ensure creates each database by upserting the marker document (idempotent).
func (d Databases) Ensure(ctx context.Context, tenant, country string, names []string) error {
	for _, n := range names {
		_, err := d.Client.Database(n).Collection(MarkerCollection).UpdateOne(ctx,
			bson.D{{Key: "_id", Value: tenant}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "country", Value: country}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("create database %s: %w", n, err)
		}
	}
	return nil
}

// Drop drops each database; dropping one that does not exist succeeds.
func (d Databases) Drop(ctx context.Context, names []string) error {
	for _, n := range names {
		if err := d.Client.Database(n).Drop(ctx); err != nil {
			return fmt.Errorf("drop database %s: %w", n, err)
		}
	}
	return nil
}

// Exists reports whether a database exists (for tests and diagnostics).
func (d Databases) Exists(ctx context.Context, name string) (bool, error) {
	// Filtered in Go rather than with a listDatabases filter, which FerretDB 1.24 may not honour.
	names, err := d.Client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return false, err
	}
	return slices.Contains(names, name), nil
}
