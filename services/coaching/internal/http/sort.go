package http

import (
	"slices"
	"strings"
)

func sortChanges(cs []Change) {
	slices.SortStableFunc(cs, func(a, b Change) int { return strings.Compare(a.Position, b.Position) })
}
