// Package delivery checks what ships to a cluster: the Helm charts (lint, values schema,
// workload invariants, routing of every OpenAPI path, server-side dry-run against a real
// kube-apiserver), the alerts (promtool), the dashboards, the images' build files, skaffold
// and the workflows. Run it with `make delivery-test`, which installs helm and promtool and
// builds the envtest binaries first. It is its own module, outside go.work, so that its
// Kubernetes dependencies never move the services' versions.
package delivery
