//go:build tools

// Package tools pins etcd for envtest: `go install` refuses etcd's server module because
// of its replace directives, so it is built from this module, checksum-verified by go.sum.
package tools

import _ "go.etcd.io/etcd/server/v3"
