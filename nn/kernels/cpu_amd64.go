//go:build !noasm

package kernels

// cpuid runs the CPUID instruction (cpu_amd64.s).
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// fmaAVX512 runs n iterations of 12 independent 16-lane FMAs on registers only (cpu_amd64.s).
//
//go:noescape
func fmaAVX512(n int)

// fmaAVX2 runs n iterations of 12 independent 8-lane FMAs on registers only (cpu_amd64.s).
//
//go:noescape
func fmaAVX2(n int)

// fmaLoop returns the register-only FMA loop of isa and the FLOPs of one of its iterations.
func fmaLoop(isa ISA) (func(n int), float64) {
	switch isa {
	case AVX512:
		return fmaAVX512, 12 * 16 * 2
	case AVX2:
		return fmaAVX2, 12 * 8 * 2
	}
	return nil, 0
}

// readCPU reads the vendor, family, model and brand string from CPUID.
func readCPU() CPU {
	maxLeaf, b, c, d := cpuid(0, 0)
	vendor := string(le(b)) + string(le(d)) + string(le(c))
	var cpu CPU
	cpu.Vendor = vendor
	if maxLeaf >= 1 {
		a, _, _, _ := cpuid(1, 0)
		cpu.Family, cpu.Model = displayFamilyModel(a)
	}
	if maxExt, _, _, _ := cpuid(0x80000000, 0); maxExt >= 0x80000004 {
		var brand []byte
		for leaf := uint32(0x80000002); leaf <= 0x80000004; leaf++ {
			a, b, c, d := cpuid(leaf, 0)
			for _, r := range []uint32{a, b, c, d} {
				brand = append(brand, le(r)...)
			}
		}
		cpu.Name = cleanBrand(brand)
	}
	return cpu
}

// le is a register's four bytes, lowest first.
func le(r uint32) []byte { return []byte{byte(r), byte(r >> 8), byte(r >> 16), byte(r >> 24)} }
