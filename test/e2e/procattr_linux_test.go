package e2e

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the kernel kill a service if the test process dies (a test timeout
// panics without running cleanups): no service outlives its test.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
