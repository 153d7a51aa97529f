package mongox

import (
	"errors"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

func asCommandError(err error, ce *mongo.CommandError) bool { return errors.As(err, ce) }

func containsDuplicate(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "duplicate") || strings.Contains(m, "unique")
}
