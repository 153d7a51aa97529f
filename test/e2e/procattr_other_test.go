//go:build !linux

package e2e

import "os/exec"

// dieWithTest: only Linux can tie a child's life to its parent's; elsewhere the test's
// cleanups stop the services.
func dieWithTest(cmd *exec.Cmd) {}
