package main

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
)

// dropServiceIndexes drops the secondary indexes of the services' databases kept in
// --dir, so that each service creates them afresh when it opens a tenant.
//
// Why: FerretDB 1.24's createIndexes panics (slices.Delete with a stale position in
// validateIndexesForCreation) when two or more of the indexes it is asked to create
// already exist, and drops the connection. mongox.Tenants.DB asks for all of a
// collection's indexes in one CreateMany, so on every start after the first the
// directory could not open its tenant and answered 503 to everything. Rebuilding the
// indexes of dev-sized data takes milliseconds. Remove this once mongox creates indexes
// one at a time (reported to the owners of libs/mongox).
func dropServiceIndexes(ctx context.Context, uri string) error {
	client, err := mongox.Connect(uri)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	names, err := client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list databases: %w", err)
	}
	for _, name := range names {
		if !ownedByService(name) {
			continue
		}
		db := client.Database(name)
		colls, err := db.ListCollectionNames(ctx, bson.D{})
		if err != nil {
			return fmt.Errorf("list collections of %s: %w", name, err)
		}
		for _, c := range colls {
			if err := db.Collection(c).Indexes().DropAll(ctx); err != nil {
				return fmt.Errorf("drop indexes of %s.%s: %w", name, c, err)
			}
		}
	}
	return nil
}

// ownedByService reports whether db is a tenant database of a service dev up runs.
func ownedByService(db string) bool {
	for _, s := range services {
		if strings.HasPrefix(db, mongox.DBName(s.def.Name, "")) {
			return true
		}
	}
	return false
}
