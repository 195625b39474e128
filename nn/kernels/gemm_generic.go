//go:build (!amd64 && !arm64) || noasm

package kernels

// activeKernel is the micro-kernel Sgemm uses. It is chosen once at start-up
// and changed only by tests (see forcePath in export_test.go).
var activeKernel = &goKernel

// kernelPaths lists the micro-kernels this CPU can run, best first.
func kernelPaths() []*microKernel { return []*microKernel{&goKernel} }
