package kernels

import "testing"

// kernelPaths lists the GEMM micro-kernels this build and CPU can run, best
// first: one per available instruction set.
func kernelPaths() []*microKernel {
	var ks []*microKernel
	for _, isa := range Available() {
		ks = append(ks, gemmKernel(isa))
	}
	return ks
}

// forcePath makes every kernel use the instruction set whose GEMM
// micro-kernel has the given name, until restore is called. It fails the
// test if this CPU cannot run that kernel.
func forcePath(t testing.TB, name string) (restore func()) {
	t.Helper()
	for _, isa := range Available() {
		if gemmKernel(isa).name == name {
			return Force(isa)
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

// forceAVX512 makes the elementwise kernels use their AVX-512 versions (on)
// or their Go ones (off) until restore is called; the AVX-512 ones must be
// available.
func forceAVX512(on bool) (restore func()) {
	if on {
		return Force(AVX512)
	}
	return Force(Portable)
}
