package mongox

import "strings"

func containsDuplicate(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "duplicate") || strings.Contains(m, "unique")
}
