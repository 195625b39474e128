package kernels

import "testing"

// forcePath makes Sgemm (and so the convolutions) use the micro-kernel with
// the given name until restore is called. It fails the test if this CPU
// cannot run that kernel.
func forcePath(t testing.TB, name string) (restore func()) {
	t.Helper()
	for _, k := range kernelPaths() {
		if k.name == name {
			old := activeKernel
			activeKernel = k
			return func() { activeKernel = old }
		}
	}
	t.Fatalf("kernel path %q is not available on this CPU", name)
	return nil
}

// pathNames returns the names of the micro-kernels this CPU can run.
func pathNames() []string {
	var names []string
	for _, k := range kernelPaths() {
		names = append(names, k.name)
	}
	return names
}
