//go:build tools

// Package tools pins kube-apiserver for envtest: the build is checksum-verified by go.sum.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
